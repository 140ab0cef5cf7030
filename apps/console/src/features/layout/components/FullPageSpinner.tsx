import { Spin } from 'antd';

export function FullPageSpinner() {
  return (
    <div className="full-page-spinner">
      <Spin size="large" />
    </div>
  );
}
