import type { IntegrationView } from '@imbridge/contracts';
import { useRequest, type RequestState } from '../../../api/useRequest';
import { integrationsApi } from '../api/integrationsApi';

/** One integration by id; pass null (a new integration) to load nothing. */
export function useIntegration(id: string | null): RequestState<IntegrationView> {
  return useRequest((signal) => integrationsApi.get(id ?? '', signal), id === null ? null : `integration:${id}`);
}
