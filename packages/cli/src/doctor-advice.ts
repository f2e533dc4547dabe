import type { Env, StorageError } from '@stowage/core';

/** A live check of `stowage doctor`. */
export type ProbeStep = 'list' | 'write' | 'read back' | 'public URL' | 'signed URL' | 'delete';

/** The variables of one driver, and how to name them in advice. */
export interface DriverVariables {
  /** Every variable the driver reads, in the order `doctor` shows them. */
  names: readonly string[];
  accessKey: string;
  secret: string;
  bucket: string;
  endpoint: string;
  publicUrl: string;
}

const S3_NAMES = [
  'USE_S3',
  'AWS_STORAGE_BUCKET_NAME',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_S3_REGION_NAME',
  'AWS_S3_ENDPOINT_URL',
  'AWS_S3_CUSTOM_DOMAIN',
  'AWS_QUERYSTRING_AUTH',
  'AWS_LOCATION',
  'S3_FORCE_PATH_STYLE',
  'AWS_S3_ADDRESSING_STYLE',
];
const R2_NAMES = [
  'USE_R2',
  'R2_ACCOUNT_ID',
  'R2_BUCKET_NAME',
  'R2_ACCESS_KEY_ID',
  'R2_SECRET_ACCESS_KEY',
  'R2_PUBLIC_DOMAIN',
  'R2_PUBLIC_URL',
  'R2_ENDPOINT_URL',
  'R2_REGION_NAME',
  'USE_R2_MEDIA_PROXY',
];
const CLOUDINARY_NAMES = [
  'CLOUDINARY_URL',
  'CLOUDINARY_CLOUD_NAME',
  'CLOUDINARY_API_KEY',
  'CLOUDINARY_API_SECRET',
  'CLOUDINARY_SECURE',
  'CLOUDINARY_FOLDER',
  'CLOUDINARY_DELIVERY_TYPE',
  'CLOUDINARY_DELIVERY_URL',
];
const DISK_NAMES = [
  'STORAGE_DISK_ROOT',
  'STORAGE_PUBLIC_BASE_URL',
  'STORAGE_SIGNING_SECRET',
  'STORAGE_DISK_PERSISTENT',
  'NODE_ENV',
];

/** The variables of `driver` as `doctor` shows them and names them in advice. */
export function driverVariables(driver: string, env: Env): DriverVariables {
  const set = (name: string): boolean => Boolean(env[name]?.trim());
  switch (driver) {
    case 's3':
      return {
        names: ['STORAGE_DRIVER', ...S3_NAMES],
        accessKey: 'AWS_ACCESS_KEY_ID',
        secret: 'AWS_SECRET_ACCESS_KEY',
        bucket: 'AWS_STORAGE_BUCKET_NAME',
        endpoint: set('AWS_S3_ENDPOINT_URL')
          ? 'AWS_S3_ENDPOINT_URL'
          : 'AWS_S3_REGION_NAME (or AWS_S3_ENDPOINT_URL for an S3-compatible service)',
        publicUrl: 'AWS_S3_CUSTOM_DOMAIN (or AWS_QUERYSTRING_AUTH=false for a public bucket)',
      };
    case 'r2':
      return {
        names: ['STORAGE_DRIVER', ...R2_NAMES],
        accessKey: 'R2_ACCESS_KEY_ID',
        secret: 'R2_SECRET_ACCESS_KEY',
        bucket: 'R2_BUCKET_NAME',
        endpoint: set('R2_ENDPOINT_URL') ? 'R2_ENDPOINT_URL' : 'R2_ACCOUNT_ID',
        publicUrl: 'R2_PUBLIC_DOMAIN / R2_PUBLIC_URL (or USE_R2_MEDIA_PROXY)',
      };
    case 'cloudinary':
      return set('CLOUDINARY_URL')
        ? {
            names: ['STORAGE_DRIVER', ...CLOUDINARY_NAMES],
            accessKey: 'the api_key in CLOUDINARY_URL',
            secret:
              'the api_secret in CLOUDINARY_URL (cloudinary://<api_key>:<api_secret>@<cloud_name>)',
            bucket: 'the cloud name in CLOUDINARY_URL (after the @)',
            endpoint: 'CLOUDINARY_URL',
            publicUrl:
              'the cloud name in CLOUDINARY_URL, CLOUDINARY_DELIVERY_URL and CLOUDINARY_SECURE',
          }
        : {
            names: ['STORAGE_DRIVER', ...CLOUDINARY_NAMES],
            accessKey: 'CLOUDINARY_API_KEY',
            secret: 'CLOUDINARY_API_SECRET',
            bucket: 'CLOUDINARY_CLOUD_NAME',
            endpoint: 'CLOUDINARY_CLOUD_NAME',
            publicUrl: 'CLOUDINARY_CLOUD_NAME, CLOUDINARY_DELIVERY_URL and CLOUDINARY_SECURE',
          };
    default:
      return {
        names: ['STORAGE_DRIVER', ...DISK_NAMES],
        accessKey: 'STORAGE_SIGNING_SECRET',
        secret: 'STORAGE_SIGNING_SECRET',
        bucket: 'STORAGE_DISK_ROOT',
        endpoint: 'STORAGE_DISK_ROOT',
        publicUrl: 'STORAGE_PUBLIC_BASE_URL',
      };
  }
}

/** Every variable any driver reads (shown by `doctor` when the driver cannot be selected). */
export const ALL_VARIABLES: readonly string[] = [
  'STORAGE_DRIVER',
  ...R2_NAMES,
  ...S3_NAMES,
  ...CLOUDINARY_NAMES,
  ...DISK_NAMES,
];

/** True when the error means nothing else can work (so later checks are skipped). */
export function isFatal(error: StorageError): boolean {
  return ['UNAUTHENTICATED', 'NETWORK', 'CONFIG'].includes(error.code) || isInvalidCloudName(error);
}

/** What to fix after a live check failed with `error`, naming the variable to look at. */
export function adviceFor(error: StorageError, step: ProbeStep, driver: string, env: Env): string {
  const v = driverVariables(driver, env);
  const text = errorText(error);
  if (driver === 'cloudinary' && isInvalidCloudName(error)) {
    return `Cloudinary does not know this cloud name: check ${v.bucket}.`;
  }
  switch (error.code) {
    case 'UNAUTHENTICATED':
      if (/InvalidAccessKeyId|unknown api_?key|invalid api_?key/i.test(text)) {
        return `The service does not know the access key: check ${v.accessKey} (and that ${v.endpoint} points at the right service).`;
      }
      if (/SignatureDoesNotMatch|api_secret mismatch|invalid signature/i.test(text)) {
        return `The secret does not match the access key: check ${v.secret}; it must belong to ${v.accessKey}.`;
      }
      if (/ExpiredToken|InvalidToken/i.test(text) && driver === 's3') {
        return 'The session token expired or is invalid: check AWS_SESSION_TOKEN (or unset it for long-lived keys).';
      }
      if (/CredentialsProviderError|could not load credentials/i.test(text)) {
        return `No credentials were found: set ${v.accessKey} and ${v.secret}${driver === 's3' ? ' (or run where an IAM role or AWS profile provides them)' : ''}.`;
      }
      if (/RequestTimeTooSkewed/i.test(text)) {
        return "This machine's clock is off by more than 15 minutes: synchronise it (NTP).";
      }
      return `The credentials were refused: check ${v.accessKey} and ${v.secret}.`;
    case 'PERMISSION_DENIED':
      return permissionAdvice(step, driver, v);
    case 'CONFIG':
      if (/bucket/i.test(text) && /not exist|no such|not found/i.test(text)) {
        return `There is no such bucket at this endpoint: check ${v.bucket} (and ${v.endpoint}).`;
      }
      if (/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/.test(error.message)) return error.message;
      return `${error.message} Check ${v.endpoint} and ${v.bucket}.`;
    case 'NETWORK':
      return `Could not reach the service: check ${v.endpoint} and this machine's network (DNS, proxy, firewall).`;
    case 'NOT_FOUND':
      if (step === 'list' || step === 'write') {
        return `The bucket was not found: check ${v.bucket} (and ${v.endpoint}).`;
      }
      return `The probe object was written but then not found: check that nothing else (a lifecycle rule, another prefix such as AWS_LOCATION) changes where objects go. ${error.message}`;
    case 'RATE_LIMITED':
      return 'The service is rate limiting these requests: wait a little and run doctor again.';
    case 'UNSUPPORTED':
      return error.message;
    default:
      return `${error.code}: ${error.message}`;
  }
}

function permissionAdvice(step: ProbeStep, driver: string, v: DriverVariables): string {
  if (driver === 'disk') {
    return `This user may not ${step === 'list' ? 'read' : 'write'} the folder in ${v.bucket}: fix its permissions or point ${v.bucket} elsewhere.`;
  }
  if (driver === 'cloudinary') {
    return `The API key (${v.accessKey}) is not allowed to ${step === 'list' ? 'list assets' : step === 'delete' ? 'delete assets' : 'upload'}: give it a role with upload and admin access in the Cloudinary console.`;
  }
  const action =
    step === 'list'
      ? 's3:ListBucket'
      : step === 'write'
        ? 's3:PutObject'
        : step === 'delete'
          ? 's3:DeleteObject'
          : 's3:GetObject';
  if (driver === 'r2') {
    return `The API token in ${v.accessKey} lacks ${step === 'list' || step === 'read back' ? 'read' : 'write'} access to the bucket in ${v.bucket}: create an R2 API token with "Object Read & Write" for that bucket.`;
  }
  return `The key in ${v.accessKey} lacks ${action} permission on the bucket in ${v.bucket}: allow ${action} for it in the IAM policy (or bucket policy).`;
}

/** What to fix when a public URL answered `status` (403/404: the bucket or domain is not public). */
export function publicUrlAdvice(driver: string, env: Env, status: number): string {
  const v = driverVariables(driver, env);
  switch (driver) {
    case 's3':
      return env.AWS_S3_CUSTOM_DOMAIN?.trim()
        ? `AWS_S3_CUSTOM_DOMAIN does not serve this bucket's objects (HTTP ${status}): check that the domain (CDN) points at the bucket in AWS_STORAGE_BUCKET_NAME${env.AWS_LOCATION?.trim() ? ' and AWS_LOCATION' : ''}, and that it may read the objects.`
        : `AWS_QUERYSTRING_AUTH=false says the bucket is public, but its objects are not publicly readable (HTTP ${status}): allow public reads (a bucket policy with s3:GetObject), set AWS_S3_CUSTOM_DOMAIN to a public CDN in front of the bucket, or remove AWS_QUERYSTRING_AUTH=false to use signed URLs.`;
    case 'r2':
      return `The public URL answered HTTP ${status}: an R2 bucket is private unless a domain serves it. Check ${v.publicUrl}: R2_PUBLIC_DOMAIN must be a custom domain connected to the bucket in R2_BUCKET_NAME, R2_PUBLIC_URL its r2.dev URL with public access enabled; or set USE_R2_MEDIA_PROXY=true to serve files through your app.`;
    case 'cloudinary':
      return `The delivery URL answered HTTP ${status}: check ${v.publicUrl}, and that the account does not restrict delivery of this media type (Settings > Security).`;
    default:
      return `The public URL answered HTTP ${status}: check STORAGE_PUBLIC_BASE_URL and that your app serves it with createFileHandler.`;
  }
}

function isInvalidCloudName(error: StorageError): boolean {
  const text = errorText(error);
  return /invalid cloud[_ ]?name|unknown cloud[_ ]?name|cloud[_ ]?name .*(not found|invalid|unknown)/i.test(
    text,
  );
}

/** The message with the cause's code and message (drivers keep sanitized causes). */
function errorText(error: StorageError): string {
  const cause = error.cause;
  if (typeof cause !== 'object' || cause === null) return error.message;
  const { code, message } = cause as { code?: unknown; message?: unknown };
  return [
    error.message,
    typeof code === 'string' ? code : '',
    typeof message === 'string' ? message : '',
  ].join(' ');
}
