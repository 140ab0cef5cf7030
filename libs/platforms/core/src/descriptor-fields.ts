import { REPLAY_TOLERANCE_FIELD, type CredentialField } from '@imbridge/contracts';

/** The advanced "callback timestamp tolerance" field of platforms whose callbacks carry a timestamp. */
export function replayToleranceField(defaultSeconds = 600): CredentialField {
  return {
    name: REPLAY_TOLERANCE_FIELD,
    label: { zh: '回调时间戳容差（秒）', en: 'Callback timestamp tolerance (s)' },
    help: {
      zh: '拒绝时间戳偏差超过此值的回调（防重放）；0 表示不检查',
      en: 'Callbacks whose timestamp is further off are refused (replay protection); 0 turns the check off',
    },
    type: 'number',
    required: false,
    secret: false,
    min: 0,
    max: 7 * 24 * 3600,
    default: defaultSeconds,
    advanced: true,
  };
}
