import type { PlatformDescriptor } from '@imbridge/contracts';
import { useRequest, type RequestState } from '../../../api/useRequest';
import { integrationsApi } from '../api/integrationsApi';

export function usePlatforms(): RequestState<PlatformDescriptor[]> {
  return useRequest((signal) => integrationsApi.platforms(signal), 'platforms');
}
