package dev.apitrail.siem;

import java.util.function.UnaryOperator;
import org.opensearch.client.node.NodeClient;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.rest.RestChannel;
import org.opensearch.rest.RestHandler;
import org.opensearch.rest.RestRequest;

/**
 * Adds {@code X-Elastic-Product: Elasticsearch} to every REST response. The collector's
 * elasticsearch exporter (go-elasticsearch client) refuses a server without it ("the client noticed
 * that the server is not Elasticsearch") after the bulk request was already indexed, then drops or
 * retries the batch; with the header it indexes into OpenSearch without errors.
 */
public final class ElasticProductHeaderPlugin extends Plugin implements ActionPlugin {
  @Override
  public UnaryOperator<RestHandler> getRestHandlerWrapper(ThreadContext threadContext) {
    return handler ->
        new RestHandler.Wrapper(handler) {
          @Override
          public void handleRequest(RestRequest request, RestChannel channel, NodeClient client)
              throws Exception {
            threadContext.addResponseHeader("X-Elastic-Product", "Elasticsearch");
            super.handleRequest(request, channel, client);
          }
        };
  }
}
