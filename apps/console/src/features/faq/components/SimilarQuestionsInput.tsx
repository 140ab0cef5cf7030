import { TagsInput, type TagsInputProps } from '../../layout/components/TagsInput';

// Not a global regex: `test` must not carry lastIndex between calls.
const QUESTION_SEPARATORS = /\r?\n|[|｜；]/;

/**
 * Similar questions as tags. Unlike keywords, a question may contain commas, so only Enter and
 * pasted line breaks (or the import separators | ｜ ；) split.
 */
export function SimilarQuestionsInput(props: TagsInputProps) {
  return <TagsInput {...props} separators={QUESTION_SEPARATORS} splitPastedLines testId="similar-tags" />;
}
