/**
 * Desk alerts: a short beep (WebAudio, no asset files) and, when the tab is hidden, a desktop
 * notification. Browsers allow both only after a user gesture, so `armOnFirstGesture` prepares them.
 */
type AudioContextCtor = new () => AudioContext;

let audio: AudioContext | null = null;

function audioCtor(): AudioContextCtor | null {
  const w = window as unknown as { AudioContext?: AudioContextCtor; webkitAudioContext?: AudioContextCtor };
  return w.AudioContext ?? w.webkitAudioContext ?? null;
}

/** Create the audio context and ask for notification permission on the first click or key press. */
export function armOnFirstGesture(): () => void {
  const arm = () => {
    window.removeEventListener('pointerdown', arm, true);
    window.removeEventListener('keydown', arm, true);
    const Ctor = audioCtor();
    if (!audio && Ctor) {
      try {
        audio = new Ctor();
      } catch {
        audio = null;
      }
    }
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
      void Notification.requestPermission().catch(() => undefined);
    }
  };
  window.addEventListener('pointerdown', arm, true);
  window.addEventListener('keydown', arm, true);
  return () => {
    window.removeEventListener('pointerdown', arm, true);
    window.removeEventListener('keydown', arm, true);
  };
}

export function beep(): void {
  if (!audio) return;
  try {
    const now = audio.currentTime;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, now);
    osc.frequency.setValueAtTime(1320, now + 0.09);
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.2, now + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start(now);
    osc.stop(now + 0.26);
  } catch {
    // A suspended or closed audio context is not worth an error.
  }
}

/** A desktop notification, only while the console tab is hidden (otherwise the screen says it). */
export function desktopNotify(title: string, body: string, tag: string, onClick: () => void): void {
  if (typeof document === 'undefined' || !document.hidden) return;
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    // Notification shows plain text; the customer's words cannot become markup here.
    const n = new Notification(title, { body: body.slice(0, 140), tag });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker.
  }
}
