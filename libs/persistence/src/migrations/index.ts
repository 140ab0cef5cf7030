import { InitialSchema1763730000000 } from './1763730000000-initial-schema';
import { KeywordRules1763800000000 } from './1763800000000-keyword-rules';
import { MediaAndVerificationFiles1763800000001 } from './1763800000001-media-and-verification-files';
import { BotAndDesk1763900000000 } from './1763900000000-bot-and-desk';
import { MediaUploads1763900000001 } from './1763900000001-media-uploads';
import { KfCursors1764000000000 } from './1764000000000-kf-cursors';
import { KfAccounts1764100000000 } from './1764100000000-kf-accounts';
import { Mp1764200000000 } from './1764200000000-mp';
import { Sessions1764300000000 } from './1764300000000-sessions';
import { ViewAllChats1764400000000 } from './1764400000000-view-all-chats';
import { SendRate1764500000000 } from './1764500000000-send-rate';

export const MIGRATIONS = [InitialSchema1763730000000, KeywordRules1763800000000, MediaAndVerificationFiles1763800000001, BotAndDesk1763900000000, MediaUploads1763900000001, KfCursors1764000000000, KfAccounts1764100000000, Mp1764200000000, Sessions1764300000000, ViewAllChats1764400000000, SendRate1764500000000];
