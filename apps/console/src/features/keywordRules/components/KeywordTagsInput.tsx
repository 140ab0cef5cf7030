import { TagsInput, type TagsInputProps } from '../../layout/components/TagsInput';

const KEYWORD_SEPARATORS = /[\n,，]/;

/** Keywords as tags: Enter (or a comma, or blur) adds what was typed; pasted lines become separate tags. */
export function KeywordTagsInput(props: TagsInputProps) {
  return <TagsInput {...props} separators={KEYWORD_SEPARATORS} splitPastedLines testId="keyword-tags" />;
}
