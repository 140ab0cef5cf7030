import type { ReactNode } from 'react';
import { useAuth } from '../hooks/useAuth';
import { AdminOnlyResult } from './AdminOnlyResult';

export function RequireAdmin({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  if (user?.role !== 'admin') return <AdminOnlyResult />;
  return <>{children}</>;
}
