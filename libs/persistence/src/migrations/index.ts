import { InitialSchema1763730000000 } from './1763730000000-initial-schema';
import { KeywordRules1763800000000 } from './1763800000000-keyword-rules';
import { MediaAndVerificationFiles1763800000001 } from './1763800000001-media-and-verification-files';

export const MIGRATIONS = [InitialSchema1763730000000, KeywordRules1763800000000, MediaAndVerificationFiles1763800000001];
