import { Card } from 'antd';
import type { ReactNode } from 'react';

/** The small titled card used in side columns (connection test, callback log, keyword test box). */
export function SideCard({ icon, title, extra, children, testId }: { icon: ReactNode; title: ReactNode; extra?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <Card
      size="small"
      className="side-card"
      data-testid={testId}
      title={
        <span className="card-title">
          {icon} {title}
        </span>
      }
      extra={extra}
    >
      {children}
    </Card>
  );
}
