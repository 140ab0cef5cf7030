import { InitialSchema1763730000000 } from './1763730000000-initial-schema';

export const MIGRATIONS = [InitialSchema1763730000000];
