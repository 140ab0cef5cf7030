/** 微信客服: bring WeCom's session state (kf/service_state) in step with our conversation. */
export const KF_SESSION_QUEUE = 'kf-session';

export interface KfSessionJob {
  conversationId: string;
}
