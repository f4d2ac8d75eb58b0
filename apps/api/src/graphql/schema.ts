// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types for an untyped package, also seen by dependents that typecheck this source
/// <reference path="../types.d.ts" />
// Schema assembly, limits (depth, complexity) and the one mapping of errors to GraphQL codes.
import 'reflect-metadata';
import { buildSchema, ArgumentValidationError } from 'type-graphql';
import { GraphQLError, getNullableType, isListType, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { ApolloServerPlugin } from '@apollo/server';
import { isAppError } from '@imaging/errors';
import type { Logger } from '@imaging/logger';
import type { DeniedAccessAudit } from '@imaging/domain';
import { StudyResolver, SeriesResolver } from './resolvers/study';
import { AccountResolver } from './resolvers/account';
import { AuditResolver } from './resolvers/audit';
import { ModelResolver, StudyAiResolver } from './resolvers/ai';
import { ReviewResolver } from './resolvers/review';
import { StorageResolver } from './resolvers/storage';
import { RetrainResolver } from './resolvers/retrain';
import { CostResolver } from './resolvers/cost';
import { AnnotationSegResolver, SegmentationResolver } from './resolvers/segmentation';
import { RemoteAeResolver } from './resolvers/remote-ae';
import { ExportResolver } from './resolvers/export';
import { ModelUploadResolver } from './resolvers/model-upload';
import type { GraphQLContext } from './context';

const NO_TOPICS = {
  publish: () => undefined,
  subscribe: (topic: string): AsyncIterable<unknown> => { throw new Error(`no pub/sub topic ${topic}: subscriptions here define their own subscribe`); },
};

export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [StudyResolver, SeriesResolver, AccountResolver, AuditResolver, StudyAiResolver, ModelResolver, ReviewResolver, RetrainResolver, ModelUploadResolver, StorageResolver, CostResolver, SegmentationResolver, AnnotationSegResolver, RemoteAeResolver, ExportResolver],
    validate: { forbidUnknownValues: false },
    // Every subscription here brings its own `subscribe` (it polls Postgres, so it works across
    // api and worker processes); type-graphql still insists on a PubSub, and this one has no topics.
    pubSub: NO_TOPICS,
    emitSchemaFile: false,
  });
}

export function depthRule(maxDepth: number): ValidationRule {
  return depthLimit(maxDepth) as unknown as ValidationRule;
}

/** Cost of a field: 1 plus its children, times the page size (`first`) for paged lists and an
 *  assumed fan-out for unpaged nested lists (series of a study, instances of a series). */
const NESTED_LIST_FANOUT = 3;
const listEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const isList = isListType(getNullableType(field.type));
  const first = typeof args.first === 'number' ? args.first : null;
  if (first === null && !isList) return undefined;
  return 1 + childComplexity * (first ?? NESTED_LIST_FANOUT);
};

/** The error for an operation whose estimated cost exceeds the limit, or null. */
export function complexityError(schema: GraphQLSchema, query: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined, maxComplexity: number): GraphQLError | null {
  const complexity = getComplexity({
    schema, operationName: operationName ?? undefined, query, variables,
    estimators: [listEstimator, simpleEstimator({ defaultComplexity: 1 })],
  });
  if (complexity <= maxComplexity) return null;
  return new GraphQLError(`query is too complex: ${complexity} > ${maxComplexity}; ask for fewer fields or smaller pages`, {
    extensions: { code: 'BAD_USER_INPUT', complexity, maxComplexity },
  });
}

/** Refuses operations whose estimated cost exceeds the limit, before any resolver runs. */
export function complexityPlugin(schema: GraphQLSchema, maxComplexity: number): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const error = complexityError(schema, document, request.operationName, request.variables, maxComplexity);
          if (error) throw error;
        },
      };
    },
  };
}

/** Audits refused GraphQL calls (UNAUTHENTICATED / FORBIDDEN), coalesced, by root field. */
export function deniedAccessPlugin(denied: DeniedAccessAudit): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const e of errors) {
            const original = (e as { originalError?: unknown }).originalError ?? e;
            const code = isAppError(original) ? original.code : undefined;
            if (code !== 'UNAUTHENTICATED' && code !== 'FORBIDDEN') continue;
            const field = typeof e.path?.[0] === 'string' ? e.path[0] : 'unknown';
            denied.record({
              principal: contextValue.domain.principal, clientAddress: contextValue.domain.clientAddress ?? null,
              operation: `graphql ${field}`, code, requestId: contextValue.domain.requestId,
            });
          }
        },
      };
    },
  };
}

export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = (error as { originalError?: unknown })?.originalError ?? error;
    if (isAppError(original)) {
      return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { code: original.code, ...(original.details ?? {}) } };
    }
    if (original instanceof ArgumentValidationError) {
      const problems = original.extensions.validationErrors.flatMap((v) => Object.values(v.constraints ?? {}));
      return { message: `invalid argument: ${problems.join('; ')}`, path: formatted.path, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT' } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return { ...formatted, extensions: { code } };
    // graphql-js's own request errors (variable coercion: unknown enum value, wrong type) carry no
    // code in Apollo 5; their messages describe the input, not internals
    if (original instanceof GraphQLError && !original.originalError && !original.path) {
      return { message: original.message, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT' } };
    }
    log.error({ err: original instanceof Error ? { message: original.message, stack: original.stack } : String(original), path: formatted.path }, 'graphql resolver error');
    return { message: 'internal error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
