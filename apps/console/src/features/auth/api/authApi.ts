import type { LoginRequest, LoginResponse, UserView } from '@imbridge/contracts';
import { api } from '../../../api/client';

export const authApi = {
  /** Sets the httpOnly session cookie; the returned accessToken is deliberately ignored. */
  login: (body: LoginRequest) => api.post<LoginResponse>('/api/auth/login', body, { skipUnauthorizedRedirect: true }),
  logout: () => api.post<void>('/api/auth/logout', undefined, { skipUnauthorizedRedirect: true }),
  /** Ends every other session; this one gets a fresh cookie (the returned token is ignored like login's). */
  changePassword: (body: { currentPassword: string; newPassword: string }) => api.post<LoginResponse>('/api/auth/password', body, { skipUnauthorizedRedirect: true }),
  me: (signal?: AbortSignal) => api.get<UserView>('/api/auth/me', { signal, skipUnauthorizedRedirect: true }),
};
