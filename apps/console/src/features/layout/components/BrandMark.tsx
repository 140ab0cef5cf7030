/** The imbridge logo: three message lines on a blue tile. */
export function BrandMark({ size = 32 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <defs>
        <linearGradient id="imbridge-brand" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#3b82f6" />
          <stop offset="1" stopColor="#1d4ed8" />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="8" fill="url(#imbridge-brand)" />
      <path d="M9 11h14M9 16h9M9 21h14" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" />
      <circle cx="23" cy="16" r="2" fill="#93c5fd" />
    </svg>
  );
}
