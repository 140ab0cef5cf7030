import type { CannedReplyView } from '@imbridge/contracts';
import { useI18n } from '../../../i18n';

/** `/abc` at the start of the composer (and nothing else yet) opens the picker filtered by `abc`. */
export function cannedQuery(text: string): string | null {
  const match = /^\/([A-Za-z0-9_-]{0,32})$/.exec(text);
  return match ? match[1].toLowerCase() : null;
}

export function filterCanned(replies: CannedReplyView[], query: string): CannedReplyView[] {
  const q = query.toLowerCase();
  const starts = replies.filter((r) => r.shortcut.toLowerCase().startsWith(q));
  const contains = replies.filter(
    (r) => !r.shortcut.toLowerCase().startsWith(q) && (r.shortcut.toLowerCase().includes(q) || r.title.toLowerCase().includes(q)),
  );
  return [...starts, ...contains].slice(0, 20);
}

interface CannedPickerProps {
  items: CannedReplyView[];
  active: number;
  onPick: (reply: CannedReplyView) => void;
  onHover: (index: number) => void;
}

/** The list above the composer; keyboard handling stays in the textarea (arrows, Enter, Esc). */
export function CannedPicker({ items, active, onPick, onHover }: CannedPickerProps) {
  const { t } = useI18n();
  return (
    <div className="canned-picker" role="listbox" data-testid="canned-picker" aria-label={t('desk.canned.title')}>
      {items.length === 0 ? (
        <div className="canned-picker__hint">{t('desk.picker.none')}</div>
      ) : (
        items.map((reply, index) => (
          <div
            key={reply.id}
            role="option"
            aria-selected={index === active}
            data-testid="canned-option"
            data-shortcut={reply.shortcut}
            className={`canned-picker__item ${index === active ? 'canned-picker__item--active' : ''}`}
            // mousedown, so the textarea keeps focus
            onMouseDown={(e) => {
              e.preventDefault();
              onPick(reply);
            }}
            onMouseEnter={() => onHover(index)}
          >
            <span className="canned-picker__shortcut">/{reply.shortcut}</span>
            <span>{reply.title}</span>
            <span className="canned-picker__text">{reply.text}</span>
          </div>
        ))
      )}
      <div className="canned-picker__hint">{t('desk.picker.hint')}</div>
    </div>
  );
}
