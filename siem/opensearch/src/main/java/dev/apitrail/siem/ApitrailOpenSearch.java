package dev.apitrail.siem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single OpenSearch node from the jars on the classpath: the distribution's module plugins are
 * loaded as classpath plugins, so no plugins/ or modules/ directory and no distribution download.
 *
 * <p>Arguments: {@code <home dir> <http port>}. Data and logs go under the home directory, HTTP and
 * transport bind to 127.0.0.1, security is absent (there is no security plugin on the classpath).
 * The node stops on SIGTERM/SIGINT.
 */
public final class ApitrailOpenSearch extends Node {
  private ApitrailOpenSearch(Environment environment) {
    super(
        environment,
        List.of(
            Netty4Plugin.class,
            CommonAnalysisPlugin.class,
            PainlessPlugin.class,
            ElasticProductHeaderPlugin.class),
        true);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: ApitrailOpenSearch <home dir> <http port>");
      System.exit(64);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    Files.createDirectories(home.resolve("config"));
    Settings settings =
        Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "apitrail-siem")
            .put("node.name", "apitrail-siem-0")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", args[1])
            // A free transport port: nothing connects to it, but a fixed one would clash with other nodes.
            .put("transport.port", "0")
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            // A test machine's disk is often more than 90% full; the node must still accept writes.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", true)
            .build();
    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(
            settings, java.util.Map.of(), home.resolve("config"), () -> "apitrail-siem-0");
    Node node = new ApitrailOpenSearch(environment);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                  } catch (Exception error) {
                    System.err.println("apitrail-opensearch: close failed: " + error);
                  }
                  stopped.countDown();
                },
                "apitrail-opensearch-shutdown"));
    node.start();
    System.out.println("apitrail-opensearch: started on http://127.0.0.1:" + args[1]);
    stopped.await();
  }
}
