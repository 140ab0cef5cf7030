import { useState } from 'react';
import { ApiOutlined, BookOutlined, LogoutOutlined, MessageOutlined, SnippetsOutlined, TeamOutlined, ThunderboltOutlined, UserOutlined, WarningOutlined } from '@ant-design/icons';
import { Avatar, Button, Layout, Menu, Space, Tag, Typography, type MenuProps } from 'antd';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { LanguageSwitch, useI18n } from '../../../i18n';
import { ChangePasswordButton } from '../../auth/components/ChangePasswordButton';
import { useAuth } from '../../auth/hooks/useAuth';
import { HeaderPresence } from '../../desk/components/HeaderPresence';
import { BrandMark } from './BrandMark';

const { Header, Sider, Content } = Layout;

export function AppLayout() {
  const { t } = useI18n();
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(false);
  const [loggingOut, setLoggingOut] = useState(false);

  const isAdmin = user?.role === 'admin';
  const sections = ['integrations', 'conversations', 'keyword-rules', 'faq', 'canned-replies', 'agents', 'dead-letters'] as const;
  const selected = sections.find((key) => location.pathname.startsWith(`/${key}`)) ?? '';

  const items: MenuProps['items'] = [
    { key: 'conversations', icon: <MessageOutlined />, label: t('nav.conversations') },
    { key: 'canned-replies', icon: <SnippetsOutlined />, label: t('nav.cannedReplies') },
    ...(isAdmin
      ? [
          { key: 'integrations', icon: <ApiOutlined />, label: t('nav.integrations') },
          { key: 'keyword-rules', icon: <ThunderboltOutlined />, label: t('nav.keywordRules') },
          { key: 'faq', icon: <BookOutlined />, label: t('nav.faq') },
          { key: 'agents', icon: <TeamOutlined />, label: t('agents.nav') },
          { key: 'dead-letters', icon: <WarningOutlined />, label: t('nav.deadLetters') },
        ]
      : []),
  ];

  const onLogout = async () => {
    setLoggingOut(true);
    try {
      await logout();
    } catch {
      // The session is cleared locally either way.
    } finally {
      setLoggingOut(false);
      navigate('/login', { replace: true });
    }
  };

  const displayName = user?.displayName || user?.username || '';

  return (
    <Layout className="app-layout">
      <Sider
        theme="light"
        width={232}
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
        breakpoint="lg"
        className="app-layout__sider"
      >
        <div
          className="app-layout__brand"
          onClick={() => navigate('/')}
          onKeyDown={(e) => {
            if (e.key === 'Enter') navigate('/');
          }}
          role="link"
          tabIndex={0}
        >
          <BrandMark size={28} />
          {!collapsed && <span className="app-layout__brand-name">{t('app.name')}</span>}
        </div>
        <Menu
          mode="inline"
          inlineIndent={16}
          selectedKeys={[selected]}
          items={items}
          onClick={({ key }) => navigate(`/${key}`)}
        />
      </Sider>
      <Layout>
        <Header className="app-layout__header">
          <div />
          <Space size="middle" align="center">
            <HeaderPresence />
            <LanguageSwitch size="small" />
            <Space size={8} align="center" className="app-layout__user">
              <Avatar size="small" icon={<UserOutlined />} />
              <Typography.Text strong data-testid="current-user">
                {displayName}
              </Typography.Text>
              {user && <Tag color={user.role === 'admin' ? 'blue' : 'default'}>{t(`auth.role.${user.role}`)}</Tag>}
            </Space>
            <ChangePasswordButton />
            <Button type="text" icon={<LogoutOutlined />} loading={loggingOut} onClick={onLogout}>
              {t('auth.logout')}
            </Button>
          </Space>
        </Header>
        <Content className="app-layout__content">
          <Outlet />
        </Content>
      </Layout>
    </Layout>
  );
}
