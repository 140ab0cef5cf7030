import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { LoginRequest, UserView } from '@imbridge/contracts';
import { setUnauthorizedHandler } from '../../../api/client';
import { authApi } from '../api/authApi';
import { AuthContext, type AuthContextValue, type AuthStatus } from '../hooks/authContext';

interface AuthProviderProps {
  children: ReactNode;
  /** Skip the GET /api/auth/me on start (tests): a user, or null for "signed out". */
  initialUser?: UserView | null;
}

export function AuthProvider({ children, initialUser }: AuthProviderProps) {
  const [user, setUser] = useState<UserView | null>(initialUser ?? null);
  const [status, setStatus] = useState<AuthStatus>(
    initialUser === undefined ? 'loading' : initialUser ? 'authenticated' : 'anonymous',
  );
  const [sessionExpired, setSessionExpired] = useState(false);
  const signedIn = useRef(user !== null);
  signedIn.current = user !== null;

  useEffect(() => {
    if (initialUser !== undefined) return;
    const controller = new AbortController();
    authApi.me(controller.signal).then(
      (me) => {
        setUser(me);
        setStatus('authenticated');
      },
      () => {
        if (controller.signal.aborted) return;
        setUser(null);
        setStatus('anonymous');
      },
    );
    return () => controller.abort();
  }, [initialUser]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (signedIn.current) setSessionExpired(true);
      setUser(null);
      setStatus('anonymous');
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const login = useCallback(async (credentials: LoginRequest) => {
    const { user: me } = await authApi.login(credentials);
    setUser(me);
    setStatus('authenticated');
    setSessionExpired(false);
    return me;
  }, []);

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      setUser(null);
      setStatus('anonymous');
      setSessionExpired(false);
    }
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({ status, user, sessionExpired, login, logout }),
    [status, user, sessionExpired, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
