import type { IntegrationView } from '@imbridge/contracts';
import { useRequest, type RequestState } from '../../../api/useRequest';
import { integrationsApi } from '../api/integrationsApi';

export function useIntegrations(): RequestState<IntegrationView[]> {
  return useRequest((signal) => integrationsApi.list(signal), 'integrations');
}
