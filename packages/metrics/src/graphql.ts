// Apollo Server 5 plugin: one observation per GraphQL request, by operation name, type and outcome.
import type { ApolloServerPlugin } from '@apollo/server';
import type { OperationDefinitionNode } from 'graphql';
import type { Metrics } from './metrics';

/** GraphQL Name syntax (spec §2.1.9); anything else (never reached once parsed) is not a label. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

export function graphqlMetricsPlugin(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const end = metrics.graphqlOperationDuration.startTimer();
      let failed = false;
      return {
        async didEncounterErrors() {
          failed = true;
        },
        async willSendResponse(requestContext) {
          // `operation` is resolved only for valid documents; a document that parsed but failed
          // validation still names its operation. One that did not parse is `unknown`.
          const operation = requestContext.operation
            ?? requestContext.document?.definitions.find((d) => String(d.kind) === 'OperationDefinition') as OperationDefinitionNode | undefined;
          const name = requestContext.operationName ?? operation?.name?.value;
          end({
            operation: name && OPERATION_NAME.test(name) ? name : 'anonymous',
            type: operation?.operation ?? 'unknown',
            outcome: failed || (requestContext.errors?.length ?? 0) > 0 ? 'error' : 'ok',
          });
        },
      };
    },
  };
}
