import type { ReactNode } from 'react';
import { App as AntApp, ConfigProvider, theme as antTheme } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { AgentsPage } from './features/agents/components/AgentsPage';
import { AuthProvider } from './features/auth/components/AuthProvider';
import { useAuth } from './features/auth/hooks/useAuth';
import { ConversationsPage } from './features/conversations/components/ConversationsPage';
import { DeadLettersPage } from './features/deadLetters/components/DeadLettersPage';
import { CannedRepliesPage } from './features/desk/components/CannedRepliesPage';
import { DeskProvider } from './features/desk/components/DeskProvider';
import { FaqPage } from './features/faq/components/FaqPage';
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
            {/* One desk connection per signed-in session, shared by the header and the pages. */}
            <DeskProvider>
              <AppLayout />
            </DeskProvider>
          </RequireAuth>
        }
      >
        <Route index element={<HomeRedirect />} />
        {/* One route, so opening a chat keeps the desk's lists mounted; /conversations/:id is a deep link. */}
        <Route path="/conversations/:id?" element={<ConversationsPage />} />
        <Route
          path="/keyword-rules"
          element={
            <RequireAdmin>
              <KeywordRulesPage />
            </RequireAdmin>
          }
        />
        <Route path="/canned-replies" element={<CannedRepliesPage />} />
        <Route
          path="/faq"
          element={
            <RequireAdmin>
              <FaqPage />
            </RequireAdmin>
          }
        />
        <Route
          path="/agents"
          element={
            <RequireAdmin>
              <AgentsPage />
            </RequireAdmin>
          }
        />
        <Route
          path="/dead-letters"
          element={
            <RequireAdmin>
              <DeadLettersPage />
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
