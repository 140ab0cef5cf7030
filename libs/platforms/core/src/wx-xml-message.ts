import type { InboundMessage } from '@imbridge/contracts';
import { xmlText, type XmlObject } from './safe-xml';

/**
 * Parts of the WeChat-family XML message (WeCom apps and 公众号 share the element names): media,
 * location and link, as the shared message model holds them. Absent elements are left out.
 */
const present = <K extends string>(key: K, value: string | undefined): { [P in K]?: string } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: string }));

/** `MediaId` (+ `Format`, `ThumbMediaId`) of an image/voice/video/file message; undefined without a MediaId. */
export function wxXmlMedia(x: XmlObject): InboundMessage['media'] {
  const mediaId = xmlText(x, 'MediaId');
  if (!mediaId) return undefined;
  return { mediaId, ...present('format', xmlText(x, 'Format')), ...present('thumbMediaId', xmlText(x, 'ThumbMediaId')) };
}

/** `Location_X` / `Location_Y` (+ `Scale`, `Label`) of a location message. */
export function wxXmlLocation(x: XmlObject): NonNullable<InboundMessage['location']> {
  return {
    latitude: xmlText(x, 'Location_X') ?? '',
    longitude: xmlText(x, 'Location_Y') ?? '',
    ...present('scale', xmlText(x, 'Scale')),
    ...present('label', xmlText(x, 'Label')),
  };
}

/** `Title`, `Description`, `Url`, `PicUrl` of a link message. */
export function wxXmlLink(x: XmlObject): NonNullable<InboundMessage['link']> {
  return {
    ...present('title', xmlText(x, 'Title')),
    ...present('description', xmlText(x, 'Description')),
    ...present('url', xmlText(x, 'Url')),
    ...present('picUrl', xmlText(x, 'PicUrl')),
  };
}
