import { createContext } from 'react';
import type { LoginRequest, UserView } from '@imbridge/contracts';

export type AuthStatus = 'loading' | 'authenticated' | 'anonymous';

export interface AuthContextValue {
  status: AuthStatus;
  user: UserView | null;
  /** Set when the session ended because the API answered 401. */
  sessionExpired: boolean;
  login: (credentials: LoginRequest) => Promise<UserView>;
  logout: () => Promise<void>;
}

export const AuthContext = createContext<AuthContextValue | null>(null);
