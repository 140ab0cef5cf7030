/** 公众号 (WeChat Official Account): the mp platform library (issue 6). */
export {};
