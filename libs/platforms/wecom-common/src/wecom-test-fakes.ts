/**
 * The WeCom libs' names for the shared platform test doubles (`@imbridge/platform-core/testing`):
 * the app lib, the kf lib and this lib test against one set. Not for production use.
 */
export { MemoryTokens as MemoryWecomTokens, platformErrorOf, ScriptedHttp as ScriptedWecomHttp, type ScriptedReply } from '@imbridge/platform-core/testing';
