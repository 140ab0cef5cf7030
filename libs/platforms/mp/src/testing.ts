/**
 * Test data for specs (entry point `@imbridge/platform-mp/testing`, never imported by product code):
 * the official MP vectors of wecom-mp.md §1 (C1, C2, E) and the further official samples the notes
 * point to (the MP WXBizMsgCrypt Python sample = compatible mode, the C++ sample = safe mode), as
 * collected byte-for-byte in a Go test of the official samples (Java WXBizMsgCryptTest, Python/C++
 * Sample, Open Platform 消息推送 doc). One copy, used by the library's vector spec and by the API's
 * spec that sends them through the running gateway.
 */
export const MP_SAMPLE_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

/** C1/C2: Java WXBizMsgCryptTest.testAesEncrypt(2); signatures derived in the notes [V]. */
export const MP_VECTOR_C = {
  appId: 'wxb11529c136998cb6',
  token: 'pamtest',
  timestamp: '1409304348',
  nonce: 'xxxxxx',
  random: Buffer.from('aaaabbbbccccdddd'),
  c1: {
    msg: '我是中文abcd123',
    encrypt: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
    signature: '82c962d39941aa48552f90ef55aa323dc620cc10',
  },
  c2: {
    msg:
      '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>',
    encrypt:
      'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb',
    signature: 'ea88b765074e41eb8c7a75b449db34fa2fd560d5',
  },
};

/** Compatible mode: the official MP Python Sample.py (plain fields and Encrypt in one body). */
export const MP_VECTOR_COMPAT = {
  appId: 'wx2c2769f8efd9abc2',
  token: 'spamtest',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  body: '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>',
  decrypted:
    '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>',
};

/** Safe mode: the official MP C++ Sample.cpp. */
export const MP_VECTOR_SAFE = {
  appId: 'wx2c2769f8efd9abc2',
  token: 'spamtest',
  timestamp: '1410349438',
  nonce: '298025754',
  msgSignature: '003fee52ecc56afb46c00b5c7721be87860ce785',
  encrypt:
    'mfBCs65c67CeJw22u4VT2TD73q5H06+ocrAIxswCaeZ/d/Lw0msSZFHY0teqgSYiI1zR2gD2DKrB3TIrmX/liNSDrGqS8jSI/WPeKB5VPr7Ezr7gomZAyGCwJSgT1TRFWPfONGJMxuj2nk4faTuspAuVIFQ6SHwZuJBZC7mcJp7Cgr9cUhATQWDbOPaE7ukZBTV2YqyzH+UI2AK+J1S47cE79k1RX8t0hcTz/O0hlK8DGXKnvYv88qKQcI7z4iaajqHfRVZKBNyOODabs+It+ZfM3dWTeFcPgDbGtIEnpt/EDtuuA/zMvtkaKdHdswPnVZQ+xdwbYr3ldGvfT8HlEYEgkgKaThxTFobVlwzu2ZkXCjicbP3xdr15Iq48ObgzPpqYuZ3IEoyggZDKClquk0u0orMck4GTF/XyE8yGzc4=',
};

/**
 * E: the Open Platform 消息推送 end-to-end example (a push received on behalf of an MP; receiveid is
 * the component appid, configured here as the AppID). Key = 43 × 'A' (AES key of zero bytes), pad 22.
 */
export const MP_VECTOR_E = {
  appId: 'wx134c8103faa5a59e',
  token: 'AAAAA',
  key: 'A'.repeat(43),
  timestamp: '1715943329',
  nonce: '1590219412',
  signature: 'cc0c594499c1634947d5b502f158ee518947db27',
  msgSignature: '6c12a4205838198b8fa631b3220723bb07f1015c',
  openid: 'o9AgO5Kd5ggOC-bXrbNODIiE3bGY',
  body: '<xml>\n    <ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n    <Encrypt><![CDATA[D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==]]></Encrypt>\n</xml>',
  msgLen: 292,
  reply: {
    msg: '<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>',
    random: Buffer.from('999951349e8ee746'),
    timestamp: '1713424427',
    nonce: '415670741',
    encrypt: 'hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7',
    msgSignature: '03e0812039325c2712ef5f0f980fd14c70d6e307',
  },
};
