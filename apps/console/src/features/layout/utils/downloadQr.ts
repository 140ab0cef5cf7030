/** Saves a drawn QR code (antd's QRCode renders a canvas inside `container`) as a PNG file. */
export function downloadQrCanvas(container: HTMLElement | null, fileName: string): void {
  const canvas = container?.querySelector('canvas');
  if (!canvas) return;
  const a = document.createElement('a');
  a.href = canvas.toDataURL('image/png');
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
