import { EmulatorError } from './http-util.js';

/**
 * What a NEW Cloudinary account does, as far as the emulator models it. Each rule names its
 * source; where the source leaves a detail open, the comment says so and the stricter reading is
 * modelled (a driver that works here works on the looser reality too).
 */
export interface AccountSettings {
  allowPdfZipDelivery: boolean;
  retainContextOnOverwrite: boolean;
  folderMode: 'dynamic' | 'fixed';
  adminRateLimit: number;
  contextLimit: number;
  replacedCharacters: string;
}

/** Defaults of a new account. */
export const NEW_ACCOUNT: AccountSettings = {
  // Console > Settings > Security, "Allow delivery of PDF and ZIP files": off on new accounts
  // (cloudinary_npm#478, cloudinary_wordpress#361: public PDF URLs answer 401/404).
  allowPdfZipDelivery: false,
  retainContextOnOverwrite: false,
  // https://cloudinary.com/documentation/folder_modes: "Since [June 4th, 2024], all new
  // Cloudinary accounts are created using dynamic folder mode."
  folderMode: 'dynamic',
  // Admin API: 500 calls an hour on the free plan (https://cloudinary.com/documentation/admin_api,
  // "Usage limits"); beyond it the API answers 420 with X-FeatureRateLimit-* headers
  // (cloudinary_npm lib/api_client/execute_request.js reads them).
  adminRateLimit: 500,
  // https://cloudinary.com/documentation/contextual_metadata: the context parameter is "a
  // pipe-separated list of key-value pairs of contextual metadata (up to 255 characters)". Per
  // value or in total is not stated: total is modelled, counted in UTF-8 bytes of the encoded
  // string (the stricter reading of "characters").
  contextLimit: 255,
  replacedCharacters: '',
};

/**
 * Extensions Cloudinary refuses by default, from
 * https://cloudinary.com/documentation/ts_why_does_cloudinary_reject_the_file_format_of_some_files_im_uploading
 */
export const REFUSED_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    'action apk app bat bin cmd com command cpl csh exe gadget inf1 ins inx ipa isu job jse ksh ' +
    'lnk msc msi msp mst osx out paf pif prg ps1 reg rgs run sct shb shs u3p vb vbe vbs vbscript ' +
    'workflow ws wsf'
  ).split(' '),
);

/**
 * Refuses an upload whose file name or public id ends in a refused extension. Which of the two
 * Cloudinary checks is not stated: both are checked (stricter).
 */
export function checkExtension(names: ReadonlyArray<string | undefined>): void {
  for (const name of names) {
    if (!name) continue;
    const base = name.slice(name.lastIndexOf('/') + 1);
    const dot = base.lastIndexOf('.');
    if (dot < 0) continue;
    const extension = base.slice(dot + 1).toLowerCase();
    if (REFUSED_EXTENSIONS.has(extension)) {
      throw new EmulatorError(400, `Unsupported file type: .${extension} files are not allowed`);
    }
  }
}

/** Formats the "Allow delivery of PDF and ZIP files" setting covers. */
export function isPdfOrZip(extension: string | undefined): boolean {
  return extension === 'pdf' || extension === 'zip';
}

/**
 * A public id as Cloudinary stores it, from
 * https://cloudinary.com/documentation/ts_permitted_naming_conventions: "any language character
 * ... and in addition dot `.` and dash `-` ... While `?&#\%<>+` are utterly forbidden, other
 * special characters will be replaced with underscores `_` and preceding/trailing occurrences
 * will be trimmed off". Which characters are "special" is not listed: everything but letters,
 * digits, `.`, `-`, `_` and the folder separator `/` is replaced (spaces and `~` included), and
 * underscores at the start or end of the id are trimmed, whatever made them (stricter).
 */
export function sanitizePublicId(publicId: string, extra = ''): string {
  let out = publicId.replace(/[^\p{L}\p{N}._\-/]/gu, '_');
  for (const char of extra) out = out.split(char).join('_');
  return out.replace(/^_+|_+$/g, '');
}

/** Encoded context as the SDK sends it: refused past the account's limit. */
export function checkContextSize(encoded: string | undefined, limit: number): void {
  if (encoded === undefined) return;
  const size = Buffer.byteLength(encoded);
  if (size > limit) {
    throw new EmulatorError(
      400,
      `Context is too long: ${size} characters, at most ${limit} are allowed`,
    );
  }
}

/** Tags: "A tag is a short name (up to 255 characters) ... up to 1000 tags" (documentation/tags). */
export function checkTags(tags: readonly string[]): void {
  if (tags.length > 1000) throw new EmulatorError(400, 'Too many tags: at most 1000 per asset');
  const long = tags.find((tag) => tag.length > 255);
  if (long) throw new EmulatorError(400, `Tag is too long (at most 255 characters): ${long}`);
}
