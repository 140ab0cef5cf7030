/**
 * This lib's names for the shared platform test doubles (`@imbridge/platform-core/testing`). Not
 * exported from the index; not for production use.
 */
export {
  MemoryTokens as MemoryMpTokens,
  platformErrorOf as mpPlatformErrorOf,
  ScriptedHttp as ScriptedMpHttp,
  type ScriptedReply as MpScriptedReply,
} from '@imbridge/platform-core/testing';
