// Apollo Server 5 plugin: one observation per GraphQL request, by root field, type and outcome.
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Metrics } from './metrics';

/**
 * Labels must come from a bounded set: the client names its operations freely, so the label is the
 * operation's first root field, a name from our schema (valid documents only; `invalid` otherwise),
 * with a hard cap on distinct values per process as a second guard.
 */
const MAX_LABELS = 256;

export function graphqlMetricsPlugin(metrics: Metrics): ApolloServerPlugin {
  const seen = new Set<string>();
  const label = (field: string | undefined): string => {
    if (!field) return 'invalid';
    if (seen.has(field)) return field;
    if (seen.size >= MAX_LABELS) return 'other';
    seen.add(field);
    return field;
  };
  return {
    async requestDidStart() {
      const end = metrics.graphqlOperationDuration.startTimer();
      let failed = false;
      return {
        async didEncounterErrors() {
          failed = true;
        },
        async willSendResponse(requestContext) {
          // `operation` is set only once the document parsed and validated against the schema.
          const operation: OperationDefinitionNode | undefined = requestContext.operation ?? undefined;
          const root = operation?.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
          end({
            operation: label(root?.kind === Kind.FIELD ? root.name.value : undefined),
            type: operation?.operation ?? 'unknown',
            outcome: failed || (requestContext.errors?.length ?? 0) > 0 ? 'error' : 'ok',
          });
        },
      };
    },
  };
}
