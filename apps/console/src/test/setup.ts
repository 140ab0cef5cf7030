import { cleanup, configure } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// antd's first render in jsdom is slow when several spec files run in parallel, and slower still on a
// loaded CI machine (4 s was once too short for a blur → PUT): give findBy/waitFor room.
configure({ asyncUtilTimeout: 10_000 });

// jsdom lacks the layout APIs antd's responsive helpers call.
if (!window.matchMedia) {
  Object.defineProperty(window, 'matchMedia', {
    writable: true,
    value: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }),
  });
}

if (!('ResizeObserver' in window)) {
  class ResizeObserverStub {
    observe(): void {
      /* layout never changes in jsdom */
    }
    unobserve(): void {
      /* nothing observed */
    }
    disconnect(): void {
      /* nothing observed */
    }
  }
  Object.defineProperty(window, 'ResizeObserver', { writable: true, value: ResizeObserverStub });
}

// jsdom does not implement pseudo-element styles; antd asks for them when measuring scrollbars.
const getComputedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (element: Element, pseudo?: string | null) => getComputedStyle(element, pseudo ? undefined : pseudo);

window.scrollTo = () => undefined;
Element.prototype.scrollIntoView = () => undefined;

afterEach(() => {
  cleanup();
  window.localStorage.clear();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});
