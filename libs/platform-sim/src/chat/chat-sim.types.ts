/** A WeCom app the chat page can talk to, with the gateway callback URL pushes go to (if known yet). */
export interface ChatAppView {
  corpId: string;
  agentId: number;
  /** Learned from a successful URL verification or push, or set explicitly; null until then. */
  callbackUrl: string | null;
}

/** One line of a chat transcript, as the chat page renders it. */
export interface ChatEntry {
  /** Stable across polls: `u<n>` for user messages, `a<msgid>` for app messages. */
  id: string;
  from: 'user' | 'app';
  /** ISO time. */
  at: string;
  /** text, markdown, image, news; anything else the app sent is 'other' with a summary in `text`. */
  kind: 'text' | 'markdown' | 'image' | 'news' | 'other';
  /** The platform's msgtype (app messages) or 'text' (user messages). */
  msgtype: string;
  text?: string;
  mediaId?: string;
  articles?: ChatArticle[];
  /** User messages: the name the person typed (WeCom callbacks carry only the user id). */
  displayName?: string;
  /** User messages: how the gateway answered the signed callback. */
  delivery?: ChatDelivery;
}

export interface ChatArticle {
  title: string;
  description?: string;
  url?: string;
  picUrl?: string;
}

export interface ChatDelivery {
  /** HTTP status of the gateway's answer; 0 when none arrived. */
  status: number;
  durationMs: number;
  error?: string;
}
