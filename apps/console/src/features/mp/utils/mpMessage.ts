import type { MessageView } from '@imbridge/contracts';
import type { MessageKey } from '../../../i18n';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null);
const obj = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** The XML fields the 公众号 normalizer keeps on a stored message (`content.extra`, strings; see mp.normalize.ts). */
export function mpExtra(message: MessageView): Record<string, unknown> {
  return obj(message.content?.extra) ?? {};
}

/**
 * Whether a stored inbound message came from a 公众号. The desk's message carries no platform, so
 * this goes by what the normalizer kept: mp keeps `MsgType` in `extra` (the WeCom app's handler drops
 * it) and has no `AgentID`. `platform`, when the caller knows it, decides.
 */
export function isMpMessage(message: MessageView, platform?: string | null): boolean {
  if (platform) return platform === 'mp';
  const extra = mpExtra(message);
  return typeof extra['MsgType'] === 'string' && extra['AgentID'] === undefined && extra['event.event_type'] === undefined;
}

/** Latitude / longitude of a location message or a LOCATION report (`content.location`). */
export function mpCoordinates(message: MessageView): { lat: string; lng: string } | null {
  const location = obj(message.content?.location);
  const lat = str(location?.latitude);
  const lng = str(location?.longitude);
  return lat && lng ? { lat, lng } : null;
}

/** TEMPLATESENDJOBFINISH's Status: success, failed:user block, failed:system failed. */
function templateStatus(status: string | null, t: Translate): string {
  if (status === 'success') return t('mp.event.templateJob.success');
  if (status && status.includes('block')) return t('mp.event.templateJob.block');
  if (status && status.startsWith('failed')) return `${t('mp.event.templateJob.failed')} (${status})`;
  return status ?? '—';
}

/** The system line of a 公众号 event, or null when it is not one (generic rendering then). */
export function mpEventText(message: MessageView, t: Translate, platform?: string | null): string | null {
  if (message.type !== 'event' || !isMpMessage(message, platform)) return null;
  const event = obj(message.content?.event);
  const extra = mpExtra(message);
  const name = str(event?.name) ?? str(extra['Event']);
  const key = str(event?.key) ?? str(extra['EventKey']) ?? '';
  const scene = str(extra['scene']);
  switch (name) {
    case 'subscribe':
      return scene ? t('mp.event.subscribeScene', { scene }) : t('mp.event.subscribe');
    case 'unsubscribe':
      return t('mp.event.unsubscribe');
    case 'SCAN':
      return t('mp.event.scan', { scene: scene ?? key });
    case 'CLICK':
      return t('mp.event.click', { key });
    case 'VIEW':
      return t('mp.event.view', { url: key });
    case 'LOCATION': {
      const at = mpCoordinates(message) ?? (str(extra['Latitude']) && str(extra['Longitude']) ? { lat: str(extra['Latitude'])!, lng: str(extra['Longitude'])! } : null);
      return at ? t('mp.event.location', at) : t('mp.event.locationNone');
    }
    case 'TEMPLATESENDJOBFINISH':
      return t('mp.event.templateJob', { status: templateStatus(str(extra['Status']), t) });
    case 'scancode_push':
    case 'scancode_waitmsg':
      return t('mp.event.scancode', { key });
    case 'pic_sysphoto':
    case 'pic_photo_or_album':
    case 'pic_weixin':
      return t('mp.event.pic', { key });
    case 'location_select':
      return t('mp.event.locationSelect', { key });
    case 'view_miniprogram':
      return t('mp.event.miniprogram', { path: key });
    default:
      return null;
  }
}
