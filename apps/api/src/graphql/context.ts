// Per-request GraphQL context: identity, the domain context, and DataLoaders (STYLE.md).
import DataLoader from 'dataloader';
import type { Response } from 'express';
import type { ChangeFeed, Db, Patient, Series, Instance } from '@imaging/db';
import { patientsByIds, seriesByStudyIds, instancesBySeriesIds, studyCountsByIds, type DomainContext, type StudyCounts } from '@imaging/domain';

export interface Loaders {
  patient: DataLoader<string, Patient | null>;
  seriesOfStudy: DataLoader<string, Series[]>;
  instancesOfSeries: DataLoader<string, Instance[]>;
  studyCounts: DataLoader<string, StudyCounts>;
}

export interface GraphQLContext {
  domain: DomainContext;
  loaders: Loaders;
  res: Response;
  /** Over WebSocket: true once the connection has closed (subscription loops end). */
  closed?: () => boolean;
  /** Over WebSocket: aborts when the connection closes (ends waits at once). */
  signal?: AbortSignal;
  /** Over WebSocket: Postgres change notifications the subscription loops wait on. */
  changes?: ChangeFeed;
}

export function createLoaders(db: Db): Loaders {
  return {
    patient: new DataLoader((ids) => patientsByIds(db, ids)),
    seriesOfStudy: new DataLoader((ids) => seriesByStudyIds(db, ids)),
    instancesOfSeries: new DataLoader((ids) => instancesBySeriesIds(db, ids)),
    studyCounts: new DataLoader((ids) => studyCountsByIds(db, ids)),
  };
}
