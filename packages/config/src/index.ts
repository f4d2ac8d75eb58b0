// The only reader of process.env (DESIGN.md rule 3): one zod-validated, typed config object.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .transform((v) => v === 'true' || v === '1');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  WEB_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('.data'),
  STORAGE_DIR: z.string().optional(),
  /** Where blobs live: `fs` (STORAGE_DIR) or `s3` (any S3-compatible store; credentials from the AWS SDK's default chain). */
  STORAGE_DRIVER: z.enum(['fs', 's3']).default('fs'),
  /** Endpoint of a non-AWS store (MinIO: http://minio:9000); unset: AWS S3 for S3_REGION. */
  S3_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** Bucket in the URL path rather than the host name (MinIO and most self-hosted stores). */
  S3_FORCE_PATH_STYLE: bool.default(false),
  /** Blobs larger than this go up as a multipart upload in parts of this size (S3's minimum is 5 MiB). */
  S3_PART_SIZE_BYTES: z.coerce.number().int().min(5 * 1024 * 1024).default(16 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  QUEUE_PREFIX: z.string().default('imaging'),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(512 * 1024 * 1024),
  MAX_INSTANCE_BYTES: z.coerce.number().int().positive().default(256 * 1024 * 1024),
  /** Decode budget checked from the header before any decoder allocates (defaults: @imaging/dicom DEFAULT_DICOM_LIMITS). */
  MAX_FRAME_PIXELS: z.coerce.number().int().positive().default(6000 * 6000 * 3),
  MAX_INSTANCE_PIXELS: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  MAX_FRAMES: z.coerce.number().int().positive().default(10_000),
  /** Bytes of upload bodies being received at once by one API process; past it new uploads get 503. */
  MAX_INFLIGHT_UPLOAD_BYTES: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  /** Uploads one caller may have in flight at once; more get 429. */
  MAX_UPLOADS_PER_CALLER: z.coerce.number().int().positive().default(8),
  /** Parts of one upload held in memory up to this many bytes; the rest are staged on disk. */
  UPLOAD_MEMORY_BYTES: z.coerce.number().int().positive().default(32 * 1024 * 1024),
  /** Where parts beyond UPLOAD_MEMORY_BYTES are staged while a request is ingested (default: OS temp folder). */
  UPLOAD_TMP_DIR: z.string().optional(),
  /** Longest an enqueue waits for Redis before the producer gives up (the sweep enqueues it later). */
  QUEUE_ENQUEUE_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /** Pipeline work (an instance to preprocess, a series to infer) with no live job after this long is requeued. */
  PIPELINE_SWEEP_AFTER_MS: z.coerce.number().int().min(0).default(120_000),
  PIPELINE_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(30_000),
  /** Requeues after which such work ends FAILED (PIPELINE_REQUEUES_EXHAUSTED). */
  PIPELINE_MAX_REQUEUES: z.coerce.number().int().min(0).default(3),
  /** Login attempts per account per 15 minutes before it is locked for LOGIN_LOCKOUT_MINUTES (a success clears them). */
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOGIN_LOCKOUT_MINUTES: z.coerce.number().positive().default(15),
  /** Login attempts per client address per 15 minutes, across accounts. */
  LOGIN_MAX_PER_IP: z.coerce.number().int().positive().default(100),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  /** A session with no request for this long ends (the absolute limit is SESSION_TTL_HOURS). */
  SESSION_IDLE_MINUTES: z.coerce.number().positive().default(30),
  /** Unset: session cookies are Secure unless the browser reached us on a loopback host over http. */
  COOKIE_SECURE: bool.optional(),
  /** Longest life of an API key; a key asks for less with expiresInDays. */
  API_KEY_MAX_DAYS: z.coerce.number().int().positive().default(365),
  /** Whether API keys may carry the ADMIN role (off: integrations never hold user or key management). */
  API_KEY_ALLOW_ADMIN: bool.default(false),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().positive().default(8),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().positive().default(20000),
  ML_BACKEND: z.enum(['wasm', 'webgpu', 'tensorflow', 'cpu']).default('wasm'),
  INFER_BATCH_SIZE: z.coerce.number().int().positive().default(8),
  INFER_THREADS: z.coerce.number().int().positive().default(1),
  /** Weight variant inference uses: float32 | float16 | uint8 (same compute as float32, smaller
   *  files) | student (the pruned and distilled net, ≥ 2× the images/s on wasm). */
  MODEL_VARIANT: z.enum(['float32', 'float16', 'uint8', 'student']).default('float32'),
  /** Quiet time after a series' last preprocessed instance before inference starts. */
  INFER_SETTLE_MS: z.coerce.number().int().min(0).default(1500),
  /** Lock of a running infer job; a worker that dies (kill -9) loses it after this long and another picks the job up. */
  INFER_LOCK_MS: z.coerce.number().int().min(1000).default(120_000),
  /** Share of cases sent to a second reader at random, besides AI/reader disagreements. */
  REVIEW_SECOND_READ_SHARE: z.coerce.number().min(0).max(1).default(0.1),
  /** A claimed task without activity for this long returns to the pool. */
  REVIEW_CLAIM_TIMEOUT_MINUTES: z.coerce.number().positive().default(30),
  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(2),
  /** Nice value of every worker thread (0-19): on a machine shared with the API, ingest wins the
   *  CPU and compression and inference take what is left. 0 keeps the inherited priority. */
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** Model inputs the storage job prepares for the infer step, per worker process (0: off, the
   *  infer step then decodes every slice again). 64 MiB ≈ 1,000 slices at 128². */
  SLICE_INPUT_CACHE_MB: z.coerce.number().int().min(0).max(16_384).default(64),
  /** Originals restored from compressed storage, kept for repeated retrievals, per api process
   *  (0: off, every retrieval decodes again). 128 MiB ≈ 250 restored 512² CT slices. */
  RESTORED_FILE_CACHE_MB: z.coerce.number().int().min(0).max(65_536).default(128),
  /** How the storage job codes native pixel frames, losslessly: `jpeg-ls` (CharLS: ~15% fewer bytes
   *  on CT) or `htj2k` (OpenJPH: ~40% less codec CPU, decoding 2-3x faster; bench:codecs). Blobs
   *  already stored keep their coding: every container names its own. */
  STORAGE_CODEC: z.enum(['jpeg-ls', 'htj2k']).default('jpeg-ls'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  API_PROCESSES: z.coerce.number().int().positive().max(64).default(1),
  /** DIMSE service (apps/dimse): C-ECHO, C-STORE, C-FIND, C-GET for modalities and PACS. */
  DIMSE_ENABLED: bool.default(true),
  /** Loopback unless set: the SCP accepts patient data from any peer it can reach, so exposing it
   *  to the network (DIMSE_HOST=0.0.0.0) is a decision, best made with DIMSE_CALLING_AE_TITLES. */
  DIMSE_HOST: z.string().default('127.0.0.1'),
  DIMSE_PORT: z.coerce.number().int().min(0).max(65535).default(11112),
  /** Our AE title (PS3.5 §6.2 AE: 1-16 characters, no backslash or control characters). */
  DIMSE_AE_TITLE: z.string().trim().regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, '1-16 printable ASCII characters, no backslash').default('IMAGING'),
  /** Calling AE titles allowed to associate, comma-separated; empty: any peer. */
  DIMSE_CALLING_AE_TITLES: z.string().default(''),
  /** Associations open at once; more are rejected (transient, local limit exceeded). */
  DIMSE_MAX_ASSOCIATIONS: z.coerce.number().int().positive().max(1000).default(16),
  /** An association idle this long (no PDU) is aborted; also the wait for the A-ASSOCIATE-RQ. */
  DIMSE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Largest PDU we announce (PS3.8 §D.1) and accept; a bigger one aborts the association. */
  DIMSE_MAX_PDU_BYTES: z.coerce.number().int().min(4096).max(4 * 1024 * 1024).default(64 * 1024),
  /** C-FIND matches answered per request; with more, the answers end in A700 (out of resources) so the SCU knows the list is cut. */
  DIMSE_FIND_MAX_RESULTS: z.coerce.number().int().positive().max(1000).default(500),
  /** Instances one C-MOVE may send; a move naming more is refused (A701) before anything is sent. */
  DIMSE_MOVE_MAX_INSTANCES: z.coerce.number().int().positive().max(100_000).default(10_000),
  /** De-identified research export: studies one export may name, instances it may carry, and the
   *  archive's size (streamed to the blob store as it is made; also the bound of what a REMOTE_AE
   *  export holds before sending). The zip has no Zip64, so it stays under 4 GiB and 65,535 files. */
  EXPORT_MAX_STUDIES: z.coerce.number().int().positive().max(10_000).default(50),
  EXPORT_MAX_INSTANCES: z.coerce.number().int().positive().max(1_000_000).default(20_000),
  EXPORT_MAX_ARCHIVE_MB: z.coerce.number().int().positive().max(4095, 'at most 4095: the archive is a zip without Zip64, which cannot pass 4 GiB').default(1024),
  /** Unit prices for cost accounting (any currency; defaults: typical public-cloud USD list prices). */
  COST_CURRENCY: z.string().default('USD'),
  COST_CPU_SECOND: z.coerce.number().min(0).default(0.0000133),
  COST_GPU_SECOND: z.coerce.number().min(0).default(0.0011),
  COST_GB_MONTH: z.coerce.number().min(0).default(0.023),
  COST_GB_TRANSFER: z.coerce.number().min(0).default(0.09),
  /** Daily compute ceiling (COST_CURRENCY) for the budget policy; unset = no policy. */
  COST_CEILING_PER_DAY: z.coerce.number().positive().optional(),
  /** Share of the ceiling spent at which the policy moves to the economy tier (the student variant, 2× batch). */
  BUDGET_ECONOMY_AT: z.coerce.number().min(0).max(1).default(0.6),
  /** Share spent at which it moves to the minimal tier (student, 4× batch, routine work deprioritised). */
  BUDGET_MINIMAL_AT: z.coerce.number().min(0).max(1).default(0.85),
  /** Trained candidate models are written here (default DATA_DIR/models). */
  MODEL_DIR: z.string().optional(),
  /** Key that signs audit checkpoints (default: generated into DATA_DIR/audit-hmac.key, mode 0600). */
  AUDIT_HMAC_KEY: z.string().min(16).optional(),
  /** Signed audit chain heads are written here (default DATA_DIR/audit-checkpoints). */
  AUDIT_CHECKPOINT_DIR: z.string().optional(),
  /** Refused calls are audited as one row per caller, address, operation and code per this window. */
  AUDIT_DENIED_WINDOW_MS: z.coerce.number().int().positive().default(10_000),
  RETRAIN_STEPS: z.coerce.number().int().positive().default(300),
  RETRAIN_BATCH_SIZE: z.coerce.number().int().positive().default(8),
  RETRAIN_LEARNING_RATE: z.coerce.number().positive().default(0.001),
  /** Share of each batch drawn from the phantom generator, so fine-tuning does not forget. */
  RETRAIN_PHANTOM_SHARE: z.coerce.number().min(0).max(1).default(0.5),
  /** The gate refuses a candidate whose held-out metric is worse than the active model's by more than this. */
  RETRAIN_GATE_TOLERANCE: z.coerce.number().min(0).max(1).default(0.01),
  /** Phantom held-out series (and slices each) both models are evaluated on before the gate. */
  RETRAIN_HELDOUT_SERIES: z.coerce.number().int().min(1).max(64).default(12),
  RETRAIN_HELDOUT_SLICES: z.coerce.number().int().min(1).max(256).default(32),
  /** Bound on an uploaded model package (the zip as sent, and what it inflates to). */
  MODEL_UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(64 * 1024 * 1024),
  /** Entries an uploaded model package's zip may hold. */
  MODEL_UPLOAD_MAX_ENTRIES: z.coerce.number().int().positive().max(10_000).default(64),
  CI: bool.default(false),
  TEST_ADMIN_DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/postgres'),
  TEST_REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  TEST_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('silent'),
});

export type Env = z.input<typeof schema>;
export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  apiPort: number;
  webPort: number;
  apiUrl: string;
  dataDir: string;
  storageDir: string;
  storageDriver: 'fs' | 's3';
  /** Set when storageDriver is 's3'. */
  s3: { endpoint: string | null; bucket: string; region: string; forcePathStyle: boolean; partSizeBytes: number } | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  queuePrefix: string;
  maxUploadBytes: number;
  maxInstanceBytes: number;
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  loginMaxPerIp: number;
  maxFramePixels: number;
  maxInstancePixels: number;
  maxFrames: number;
  maxInflightUploadBytes: number;
  maxUploadsPerCaller: number;
  uploadMemoryBytes: number;
  uploadTmpDir: string;
  queueEnqueueTimeoutMs: number;
  pipelineSweepAfterMs: number;
  pipelineSweepIntervalMs: number;
  pipelineMaxRequeues: number;
  sessionTtlMs: number;
  sessionIdleMs: number;
  /** undefined: decided per request (Secure unless on loopback over http). */
  cookieSecure: boolean | undefined;
  apiKeyMaxDays: number;
  apiKeyAllowAdmin: boolean;
  auditDeniedWindowMs: number;
  graphqlMaxDepth: number;
  graphqlMaxComplexity: number;
  mlBackend: 'wasm' | 'webgpu' | 'tensorflow' | 'cpu';
  inferBatchSize: number;
  inferThreads: number;
  modelVariant: 'float32' | 'float16' | 'uint8' | 'student';
  inferSettleMs: number;
  inferLockMs: number;
  reviewSecondReadShare: number;
  reviewClaimTimeoutMs: number;
  workerConcurrency: number;
  workerNice: number;
  sliceInputCacheBytes: number;
  restoredFileCacheBytes: number;
  storageCodec: 'jpeg-ls' | 'htj2k';
  /** Port of the worker's /metrics, /healthz and /readyz server; 0 turns it off. */
  workerMetricsPort: number;
  /** API processes sharing the port (node:cluster); the API is stateless, so this scales across cores. */
  apiProcesses: number;
  dimse: {
    enabled: boolean; host: string; port: number; aeTitle: string; callingAeTitles: string[];
    maxAssociations: number; timeoutMs: number; maxPduBytes: number; findMaxResults: number; moveMaxInstances: number;
  };
  /** Bounds of one de-identified export. */
  export: { maxStudies: number; maxInstances: number; maxArchiveBytes: number };
  unitPrices: { currency: string; cpuSecond: number; gpuSecond: number; gbMonth: number; gbTransfer: number };
  budget: { ceilingPerDay: number | null; economyAt: number; minimalAt: number };
  modelDir: string;
  auditHmacKey: string | null;
  auditCheckpointDir: string;
  retrain: { steps: number; batchSize: number; learningRate: number; phantomShare: number; gateTolerance: number; heldOutSeries: number; heldOutSlices: number };
  modelUpload: { maxBytes: number; maxEntries: number };
  ci: boolean;
  /** Tests create and drop their own databases through this connection. */
  testAdminDatabaseUrl: string;
  testRedisUrl: string;
  testLogLevel: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/** Parses an environment (process.env by default) into the typed config; throws ConfigError
 *  naming each bad variable, never its value (it may be a secret). */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.STORAGE_DRIVER === 's3' && !e.S3_BUCKET) throw new ConfigError('invalid configuration: S3_BUCKET: required when STORAGE_DRIVER=s3');
  const dataDir = e.DATA_DIR;
  const config: Config = {
    nodeEnv: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    apiPort: e.API_PORT,
    webPort: e.WEB_PORT,
    apiUrl: e.API_URL ?? `http://127.0.0.1:${e.API_PORT}`,
    dataDir,
    storageDir: e.STORAGE_DIR ?? `${dataDir}/blobs`,
    storageDriver: e.STORAGE_DRIVER,
    s3: e.STORAGE_DRIVER === 's3'
      ? { endpoint: e.S3_ENDPOINT ?? null, bucket: e.S3_BUCKET!, region: e.S3_REGION, forcePathStyle: e.S3_FORCE_PATH_STYLE, partSizeBytes: e.S3_PART_SIZE_BYTES }
      : null,
    logLevel: e.LOG_LEVEL,
    queuePrefix: e.QUEUE_PREFIX,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxInstanceBytes: e.MAX_INSTANCE_BYTES,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginLockoutSeconds: Math.round(e.LOGIN_LOCKOUT_MINUTES * 60),
    loginMaxPerIp: e.LOGIN_MAX_PER_IP,
    maxFramePixels: e.MAX_FRAME_PIXELS,
    maxInstancePixels: e.MAX_INSTANCE_PIXELS,
    maxFrames: e.MAX_FRAMES,
    maxInflightUploadBytes: e.MAX_INFLIGHT_UPLOAD_BYTES,
    maxUploadsPerCaller: e.MAX_UPLOADS_PER_CALLER,
    uploadMemoryBytes: e.UPLOAD_MEMORY_BYTES,
    uploadTmpDir: e.UPLOAD_TMP_DIR ?? path.join(os.tmpdir(), 'imaging-uploads'),
    queueEnqueueTimeoutMs: e.QUEUE_ENQUEUE_TIMEOUT_MS,
    pipelineSweepAfterMs: e.PIPELINE_SWEEP_AFTER_MS,
    pipelineSweepIntervalMs: e.PIPELINE_SWEEP_INTERVAL_MS,
    pipelineMaxRequeues: e.PIPELINE_MAX_REQUEUES,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    cookieSecure: e.COOKIE_SECURE,
    apiKeyMaxDays: e.API_KEY_MAX_DAYS,
    apiKeyAllowAdmin: e.API_KEY_ALLOW_ADMIN,
    auditDeniedWindowMs: e.AUDIT_DENIED_WINDOW_MS,
    graphqlMaxDepth: e.GRAPHQL_MAX_DEPTH,
    graphqlMaxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
    mlBackend: e.ML_BACKEND,
    inferBatchSize: e.INFER_BATCH_SIZE,
    inferThreads: e.INFER_THREADS,
    modelVariant: e.MODEL_VARIANT,
    inferSettleMs: e.INFER_SETTLE_MS,
    inferLockMs: e.INFER_LOCK_MS,
    reviewSecondReadShare: e.REVIEW_SECOND_READ_SHARE,
    reviewClaimTimeoutMs: e.REVIEW_CLAIM_TIMEOUT_MINUTES * 60_000,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerNice: e.WORKER_NICE,
    sliceInputCacheBytes: e.SLICE_INPUT_CACHE_MB * 1024 * 1024,
    restoredFileCacheBytes: e.RESTORED_FILE_CACHE_MB * 1024 * 1024,
    storageCodec: e.STORAGE_CODEC,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    apiProcesses: e.API_PROCESSES,
    dimse: {
      enabled: e.DIMSE_ENABLED, host: e.DIMSE_HOST, port: e.DIMSE_PORT, aeTitle: e.DIMSE_AE_TITLE,
      callingAeTitles: e.DIMSE_CALLING_AE_TITLES.split(',').map((t) => t.trim()).filter(Boolean),
      maxAssociations: e.DIMSE_MAX_ASSOCIATIONS, timeoutMs: e.DIMSE_TIMEOUT_MS, maxPduBytes: e.DIMSE_MAX_PDU_BYTES, findMaxResults: e.DIMSE_FIND_MAX_RESULTS,
      moveMaxInstances: e.DIMSE_MOVE_MAX_INSTANCES,
    },
    export: { maxStudies: e.EXPORT_MAX_STUDIES, maxInstances: e.EXPORT_MAX_INSTANCES, maxArchiveBytes: e.EXPORT_MAX_ARCHIVE_MB * 1024 * 1024 },
    unitPrices: { currency: e.COST_CURRENCY, cpuSecond: e.COST_CPU_SECOND, gpuSecond: e.COST_GPU_SECOND, gbMonth: e.COST_GB_MONTH, gbTransfer: e.COST_GB_TRANSFER },
    budget: { ceilingPerDay: e.COST_CEILING_PER_DAY ?? null, economyAt: e.BUDGET_ECONOMY_AT, minimalAt: Math.max(e.BUDGET_MINIMAL_AT, e.BUDGET_ECONOMY_AT) },
    modelDir: e.MODEL_DIR ?? `${dataDir}/models`,
    auditHmacKey: e.AUDIT_HMAC_KEY ?? null,
    auditCheckpointDir: e.AUDIT_CHECKPOINT_DIR ?? `${dataDir}/audit-checkpoints`,
    retrain: {
      steps: e.RETRAIN_STEPS, batchSize: e.RETRAIN_BATCH_SIZE, learningRate: e.RETRAIN_LEARNING_RATE,
      phantomShare: e.RETRAIN_PHANTOM_SHARE, gateTolerance: e.RETRAIN_GATE_TOLERANCE,
      heldOutSeries: e.RETRAIN_HELDOUT_SERIES, heldOutSlices: e.RETRAIN_HELDOUT_SLICES,
    },
    modelUpload: { maxBytes: e.MODEL_UPLOAD_MAX_BYTES, maxEntries: e.MODEL_UPLOAD_MAX_ENTRIES },
    ci: e.CI,
    testAdminDatabaseUrl: e.TEST_ADMIN_DATABASE_URL,
    testRedisUrl: e.TEST_REDIS_URL,
    testLogLevel: e.TEST_LOG_LEVEL,
  };
  return { ...config, ...overrides };
}

/** Environment variables the launcher passes to child processes it starts (api, worker, web). */
export function configToEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: config.nodeEnv,
    API_PORT: String(config.apiPort),
    WEB_PORT: String(config.webPort),
    API_URL: config.apiUrl,
    DATA_DIR: config.dataDir,
    STORAGE_DIR: config.storageDir,
    STORAGE_DRIVER: config.storageDriver,
    LOG_LEVEL: config.logLevel,
    QUEUE_PREFIX: config.queuePrefix,
    ML_BACKEND: config.mlBackend,
    MODEL_VARIANT: config.modelVariant,
    INFER_BATCH_SIZE: String(config.inferBatchSize),
    INFER_THREADS: String(config.inferThreads),
    API_PROCESSES: String(config.apiProcesses),
    WORKER_METRICS_PORT: String(config.workerMetricsPort),
    DIMSE_ENABLED: String(config.dimse.enabled),
    DIMSE_HOST: config.dimse.host,
    DIMSE_PORT: String(config.dimse.port),
    DIMSE_AE_TITLE: config.dimse.aeTitle,
    DIMSE_CALLING_AE_TITLES: config.dimse.callingAeTitles.join(','),
    DIMSE_MAX_ASSOCIATIONS: String(config.dimse.maxAssociations),
    DIMSE_TIMEOUT_MS: String(config.dimse.timeoutMs),
    DIMSE_MAX_PDU_BYTES: String(config.dimse.maxPduBytes),
    DIMSE_FIND_MAX_RESULTS: String(config.dimse.findMaxResults),
    DIMSE_MOVE_MAX_INSTANCES: String(config.dimse.moveMaxInstances),
    EXPORT_MAX_STUDIES: String(config.export.maxStudies),
    EXPORT_MAX_INSTANCES: String(config.export.maxInstances),
    EXPORT_MAX_ARCHIVE_MB: String(Math.ceil(config.export.maxArchiveBytes / 1024 / 1024)),
  };
  if (config.databaseUrl) env.DATABASE_URL = config.databaseUrl;
  if (config.redisUrl) env.REDIS_URL = config.redisUrl;
  if (config.s3) {
    env.S3_BUCKET = config.s3.bucket;
    env.S3_REGION = config.s3.region;
    env.S3_FORCE_PATH_STYLE = String(config.s3.forcePathStyle);
    env.S3_PART_SIZE_BYTES = String(config.s3.partSizeBytes);
    if (config.s3.endpoint) env.S3_ENDPOINT = config.s3.endpoint;
  }
  if (config.auditHmacKey) env.AUDIT_HMAC_KEY = config.auditHmacKey;
  return env;
}

/** The raw process environment, for the few places (launcher) that must hand it to children. */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}
