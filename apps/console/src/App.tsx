import type { ReactNode } from 'react';
import { App as AntApp, ConfigProvider, theme as antTheme } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { AuthProvider } from './features/auth/components/AuthProvider';
import { useAuth } from './features/auth/hooks/useAuth';
import { ConversationPage } from './features/conversations/components/ConversationPage';
import { ConversationsPage } from './features/conversations/components/ConversationsPage';
import { KeywordRulesPage } from './features/keywordRules/components/KeywordRulesPage';
import { LoginPage } from './features/auth/components/LoginPage';
import { RequireAdmin } from './features/auth/components/RequireAdmin';
import { RequireAuth } from './features/auth/components/RequireAuth';
import { IntegrationEditPage } from './features/integrations/components/IntegrationEditPage';
import { IntegrationsPage } from './features/integrations/components/IntegrationsPage';
import { AppLayout } from './features/layout/components/AppLayout';
import { NotFoundPage } from './features/layout/components/NotFoundPage';
import { I18nProvider, useI18n } from './i18n';

const FONT_FAMILY =
  "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Helvetica Neue', Arial, sans-serif";

/** Admins start on the integrations, agents on the conversations. */
function HomeRedirect() {
  const { user } = useAuth();
  return <Navigate to={user?.role === 'admin' ? '/integrations' : '/conversations'} replace />;
}

/** Routes only, so tests can mount them inside a MemoryRouter. */
export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route index element={<HomeRedirect />} />
        <Route path="/conversations" element={<ConversationsPage />} />
        <Route path="/conversations/:id" element={<ConversationPage />} />
        <Route
          path="/keyword-rules"
          element={
            <RequireAdmin>
              <KeywordRulesPage />
            </RequireAdmin>
          }
        />
        <Route
          path="/integrations"
          element={
            <RequireAdmin>
              <IntegrationsPage />
            </RequireAdmin>
          }
        />
        <Route
          path="/integrations/new"
          element={
            <RequireAdmin>
              <IntegrationEditPage />
            </RequireAdmin>
          }
        />
        <Route
          path="/integrations/:id"
          element={
            <RequireAdmin>
              <IntegrationEditPage />
            </RequireAdmin>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** antd theme + locale following the console language. */
export function ThemedApp({ children }: { children: ReactNode }) {
  const { lang } = useI18n();
  return (
    <ConfigProvider
      locale={lang === 'zh' ? zhCN : enUS}
      theme={{
        algorithm: antTheme.defaultAlgorithm,
        token: {
          colorPrimary: '#1668dc',
          borderRadius: 8,
          fontFamily: FONT_FAMILY,
          colorBgLayout: '#f4f6fa',
        },
        components: {
          Layout: { headerBg: '#ffffff', siderBg: '#ffffff', headerHeight: 56, headerPadding: '0 24px' },
          Menu: { itemBorderRadius: 8, activeBarBorderWidth: 0 },
        },
      }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <I18nProvider>
      <ThemedApp>
        <AuthProvider>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </AuthProvider>
      </ThemedApp>
    </I18nProvider>
  );
}
