import type { ReactNode } from 'react';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, Typography } from 'antd';

interface PageHeaderProps {
  title: ReactNode;
  subTitle?: ReactNode;
  onBack?: () => void;
  backLabel?: string;
  extra?: ReactNode;
}

export function PageHeader({ title, subTitle, onBack, backLabel, extra }: PageHeaderProps) {
  return (
    <div className="page-header">
      <div className="page-header__main">
        {onBack && <Button type="text" icon={<ArrowLeftOutlined />} onClick={onBack} aria-label={backLabel} className="page-header__back" />}
        <div>
          <Typography.Title level={3} className="page-header__title">
            {title}
          </Typography.Title>
          {subTitle && <Typography.Text type="secondary">{subTitle}</Typography.Text>}
        </div>
      </div>
      {extra && <div className="page-header__extra">{extra}</div>}
    </div>
  );
}
