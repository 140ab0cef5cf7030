/**
 * The shared message model. Every platform normalizes what it receives into `InboundMessage`,
 * and every sender renders an `OutgoingMessage` for its channel.
 */
export type InboundMessageType =
  | 'text'
  | 'image'
  | 'voice'
  | 'video'
  | 'file'
  | 'location'
  | 'link'
  | 'event'
  | 'unknown';

export interface InboundSender {
  /** The platform's id of the person (WeCom UserID, openid, external_userid, open_id …). */
  externalId: string;
  name?: string;
}

export interface InboundMessage {
  type: InboundMessageType;
  /** The platform's message id, when it has one. */
  platformMessageId?: string;
  sender: InboundSender;
  /** When the platform says the message was created (ISO 8601). */
  sentAt: string;
  /** Text content, byte-for-byte as the user typed it. */
  text?: string;
  media?: { mediaId: string; format?: string; fileName?: string; thumbMediaId?: string };
  location?: { latitude: string; longitude: string; scale?: string; label?: string };
  link?: { title?: string; description?: string; url?: string; picUrl?: string };
  /** For `event`: the platform's event name and key (e.g. click menu key). */
  event?: { name: string; key?: string };
  /** Platform-specific extra fields, kept as strings. */
  extra?: Record<string, string>;
}

/** A piece of content to send. Senders render it for their channel. */
export type OutgoingMessage =
  /**
   * `eventCode`: a platform event code to answer with (微信客服 welcome / end message:
   * kf/send_msg_on_event); such a send does not count against the reply quota. `eventKind` says
   * which, for the desk.
   */
  | { type: 'text'; text: string; eventCode?: string; eventKind?: OutgoingEventKind }
  | { type: 'markdown'; markdown: string }
  /** `mediaFileId`: an image we store (an agent's upload), uploaded to the platform at send time. */
  | { type: 'image'; mediaId?: string; url?: string; mediaFileId?: string }
  | { type: 'file'; mediaId?: string; url?: string; fileName?: string }
  | { type: 'textcard'; title: string; description: string; url: string; buttonText?: string }
  | { type: 'news'; articles: { title: string; description?: string; url?: string; picUrl?: string }[] }
  /**
   * Options the customer can tap (微信客服 msgmenu: a tap comes back as text with `extra.menu_id`).
   * Platforms without menus send it as text: head, one line per item, tail.
   */
  | { type: 'menu'; head?: string; items: { id: string; content: string }[]; tail?: string; eventCode?: string; eventKind?: OutgoingEventKind };

/** What an event-code send answers: the customer entering the session, or its end. */
export type OutgoingEventKind = 'welcome' | 'end';

export type OutgoingMessageType = OutgoingMessage['type'];

/** A menu as plain text (head, one line per option, tail), for channels without menus. */
export function menuAsText(menu: { head?: string; items: { id: string; content: string }[]; tail?: string }): string {
  return [menu.head ?? '', ...menu.items.map((i) => i.content), menu.tail ?? ''].filter((s) => s.trim() !== '').join('\n');
}
