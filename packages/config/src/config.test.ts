import { loadConfig, ConfigError } from './index';

describe('loadConfig', () => {
  it('gives zero-setup defaults', () => {
    const c = loadConfig({});
    expect(c.apiPort).toBe(4000);
    expect(c.webPort).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.storageDir).toBe('.data/blobs');
    expect(c.mlBackend).toBe('wasm');
    expect(c.workerMetricsPort).toBe(9464);
  });

  it('names the bad variable without echoing its value', () => {
    expect(() => loadConfig({ API_PORT: 'secret-value' })).toThrow(ConfigError);
    try {
      loadConfig({ API_PORT: 'secret-value' });
    } catch (e) {
      expect((e as Error).message).toContain('API_PORT');
      expect((e as Error).message).not.toContain('secret-value');
    }
  });

  it('chooses the blob store: fs by default, s3 with a bucket', () => {
    expect(loadConfig({})).toMatchObject({ storageDriver: 'fs', s3: null });
    const c = loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'imaging-blobs', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' });
    expect(c.s3).toEqual({ endpoint: 'http://minio:9000', bucket: 'imaging-blobs', region: 'us-east-1', forcePathStyle: true, partSizeBytes: 16 * 1024 * 1024 });
    expect(() => loadConfig({ STORAGE_DRIVER: 's3' })).toThrow('S3_BUCKET');
    expect(() => loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'Bad_Bucket' })).toThrow('S3_BUCKET');
    expect(() => loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'b-1', S3_PART_SIZE_BYTES: '1024' })).toThrow('S3_PART_SIZE_BYTES');
  });

  it('keeps the export archive under the 4 GiB a zip without Zip64 can hold', () => {
    expect(loadConfig({ EXPORT_MAX_ARCHIVE_MB: '4095' }).export.maxArchiveBytes).toBe(4095 * 1024 * 1024);
    expect(() => loadConfig({ EXPORT_MAX_ARCHIVE_MB: '4096' })).toThrow(/EXPORT_MAX_ARCHIVE_MB.*Zip64/);
  });

  it('coerces numbers and booleans', () => {
    const c = loadConfig({ API_PORT: '4100', COOKIE_SECURE: 'true', DATABASE_URL: 'postgresql://u@h:5432/db' });
    expect(c.apiPort).toBe(4100);
    expect(c.cookieSecure).toBe(true);
    expect(c.databaseUrl).toBe('postgresql://u@h:5432/db');
    expect(loadConfig({ WORKER_METRICS_PORT: '0' }).workerMetricsPort).toBe(0);
  });
});
