/** What WeCom (WW_verify_) and the WeChat MP (MP_verify_) ask to be served at the site root. */
export const VERIFICATION_FILE_NAME = /^(WW_verify_|MP_verify_)[A-Za-z0-9]{1,64}\.txt$/;
export const VERIFICATION_FILE_MAX_BYTES = 1024;

export type VerificationFileProblem = 'name' | 'size' | 'empty';

/** null when the file can be uploaded. */
export function checkVerificationFile(fileName: string, sizeBytes: number): VerificationFileProblem | null {
  if (!VERIFICATION_FILE_NAME.test(fileName)) return 'name';
  if (sizeBytes === 0) return 'empty';
  if (sizeBytes > VERIFICATION_FILE_MAX_BYTES) return 'size';
  return null;
}

export function readFileText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsText(file);
  });
}
