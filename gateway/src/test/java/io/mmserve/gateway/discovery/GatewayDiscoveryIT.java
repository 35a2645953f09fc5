package io.mmserve.gateway.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.testsupport.ControlPlane;
import io.mmserve.testsupport.ServiceProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway, run as its jar with a {@code kubernetes:///} text-encoder target and the test
 * kubeconfig, against a real control plane (etcd, kube-apiserver, kube-controller-manager) and two
 * real text-encoder-svc processes on 127.0.0.1. The encoders become endpoints as in a cluster: a
 * Service selects Pods that the test binds to a Node and makes Ready with pod IP 127.0.0.1 and the
 * encoder's port as the named container port, and the real EndpointSlice controller publishes them.
 * Each test has its own namespace and gateway; the control plane and encoders are shared.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GatewayDiscoveryIT {
  private static final String SERVICE = "text-encoder";
  private static final int CALLERS = 8;
  private static final Duration STOP = Duration.ofMinutes(2);

  private static ControlPlane controlPlane;
  private static ClusterObjects cluster;
  private static TestHostNamespace host;
  private static ServiceProcess encoderA;
  private static ServiceProcess encoderB;

  @BeforeAll
  static void startClusterAndEncoders() throws Exception {
    controlPlane =
        ControlPlane.start(ClusterObjects.freshStateDir("control-plane-GatewayDiscoveryIT"));
    cluster = new ClusterObjects(controlPlane.kubeconfig());
    cluster.node();
    host = TestHostNamespace.create();
    Path textJar = Path.of(System.getProperty("mmserve.text-encoder.jar"));
    encoderA =
        ServiceProcess.startJarIn(
            host.launcher(), host.address(), textJar, "GatewayDiscoveryIT-text-a");
    encoderB =
        ServiceProcess.startJarIn(
            host.launcher(), host.address(), textJar, "GatewayDiscoveryIT-text-b");
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {encoderA, encoderB, host, cluster, controlPlane}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void gateway_servesEmbedTextThroughAReadyPodsEndpoint(TestInfo test) throws Exception {
    String ns = namespace(test);
    cluster.readyPod(ns, SERVICE, "text-a", host.address(), encoderA.grpcPort());

    try (ServiceProcess gateway = gateway(ns, test)) {
      awaitDiscovered(gateway, ns, 1);
      EmbedTextResponse answer =
          MultimodalGrpc.newBlockingStub(gateway.channel())
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .embedText(EmbedTextRequest.newBuilder().addTexts("a red circle").build());

      assertEquals(1, answer.getEmbeddingsCount());
    }
  }

  @Test
  void addedReplica_takesAShareOfTheLoad(TestInfo test) throws Exception {
    String ns = namespace(test);
    cluster.readyPod(ns, SERVICE, "text-a", host.address(), encoderA.grpcPort());
    try (ServiceProcess gateway = gateway(ns, test);
        EmbedTextLoad load = new EmbedTextLoad(gateway.channel(), CALLERS)) {
      awaitDiscovered(gateway, ns, 1);
      double a = calls(encoderA);
      double b = calls(encoderB);

      cluster.readyPod(ns, SERVICE, "text-b", host.address(), encoderB.grpcPort());

      Waits.await(
          "both encoders answer calls of the load",
          Waits.GENEROUS,
          () -> calls(encoderA) > a && calls(encoderB) > b,
          load::summary);
      load.stop(STOP);
      System.out.println("GatewayDiscoveryIT: replica added under load: " + load.summary());
      assertEquals(0, load.failed(), load::summary);
    }
  }

  @Test
  void replicaMarkedNotReadyThenDeleted_underLoad_failsNoCall(TestInfo test) throws Exception {
    String ns = namespace(test);
    cluster.readyPod(ns, SERVICE, "text-a", host.address(), encoderA.grpcPort());
    cluster.readyPod(ns, SERVICE, "text-b", host.address(), encoderB.grpcPort());
    try (ServiceProcess gateway = gateway(ns, test);
        EmbedTextLoad load = new EmbedTextLoad(gateway.channel(), CALLERS)) {
      awaitDiscovered(gateway, ns, 2);
      double a = calls(encoderA);
      double b = calls(encoderB);
      Waits.await(
          "both encoders answer calls of the load",
          Waits.GENEROUS,
          () -> calls(encoderA) > a && calls(encoderB) > b,
          load::summary);

      cluster.ready(ns, "text-b", host.address(), false);
      awaitDiscovered(gateway, ns, 1);
      double bWhenRemoved = calls(encoderB);
      assertTrue(load.awaitMore(300, STOP), load::summary);
      cluster.deletePod(ns, "text-b");
      assertTrue(load.awaitMore(300, STOP), load::summary);
      load.stop(STOP);
      double late = calls(encoderB) - bWhenRemoved;
      System.out.printf(
          "GatewayDiscoveryIT: replica removed under load: %s; %.0f encoder calls reached it"
              + " after it turned not ready%n",
          load.summary(), late);

      assertEquals(0, load.failed(), load::summary);
      // at most the calls that were already on their way when the endpoint left
      assertTrue(late <= CALLERS, () -> late + " calls reached b after it turned not ready");
    }
  }

  @Test
  void apiServerRestart_changesNothingForCallers_andANewEndpointIsPickedUpAfter(TestInfo test)
      throws Exception {
    String ns = namespace(test);
    cluster.readyPod(ns, SERVICE, "text-a", host.address(), encoderA.grpcPort());
    try (ServiceProcess gateway = gateway(ns, test);
        EmbedTextLoad load = new EmbedTextLoad(gateway.channel(), CALLERS)) {
      awaitDiscovered(gateway, ns, 1);
      assertTrue(load.awaitMore(100, STOP), load::summary);

      controlPlane.restartApiServer();
      assertTrue(load.awaitMore(100, STOP), load::summary);
      double b = calls(encoderB);
      cluster.readyPod(ns, SERVICE, "text-b", host.address(), encoderB.grpcPort());

      Waits.await(
          "the endpoint added after the restart answers calls",
          Waits.GENEROUS,
          () -> calls(encoderB) > b,
          load::summary);
      load.stop(STOP);
      System.out.println("GatewayDiscoveryIT: API server restarted under load: " + load.summary());
      assertEquals(0, load.failed(), load::summary);
      assertTrue(
          MetricsPage.of(gateway.host(), gateway.adminPort())
                  .sum("mmserve_discovery_lists_total", "")
              >= 1,
          "the gateway reports its lists of EndpointSlices");
    }
  }

  /** A namespace of the test's own, with the headless Service selecting its pods. */
  private static String namespace(TestInfo test) throws Exception {
    String name =
        test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
    String ns = "it-" + name.substring(0, Math.min(20, name.length()));
    cluster.namespace(ns);
    cluster.service(ns, SERVICE);
    return ns;
  }

  /** The gateway with a kubernetes:/// text-encoder target; nobody listens at its other targets. */
  private static ServiceProcess gateway(String ns, TestInfo test) throws IOException {
    return ServiceProcess.startJar(
        Path.of(System.getProperty("mmserve.gateway.jar")),
        "GatewayDiscoveryIT-" + test.getTestMethod().orElseThrow().getName(),
        "--text-encoder.target=kubernetes:///"
            + SERVICE
            + "."
            + ns
            + ":"
            + ClusterObjects.PORT_NAME,
        "--vision-encoder.target=127.0.0.1:" + closedPort(),
        "--fusion.target=127.0.0.1:" + closedPort(),
        "--discovery.kubernetes.kubeconfig=" + controlPlane.kubeconfig());
  }

  /** Waits until the gateway's resolver has {@code count} endpoints of the Service. */
  private static void awaitDiscovered(ServiceProcess gateway, String ns, int count)
      throws InterruptedException {
    Waits.await(
        "the gateway discovers " + count + " endpoints",
        Waits.GENEROUS,
        () ->
            MetricsPage.of(gateway.host(), gateway.adminPort())
                    .sum("mmserve_discovery_endpoints", "target=")
                == count,
        () -> {
          try {
            return "slices " + cluster.slices(ns, SERVICE);
          } catch (Exception e) {
            return "slices unknown: " + e;
          }
        });
  }

  private static double calls(ServiceProcess encoder) throws Exception {
    return MetricsPage.encodeTextCalls(encoder.host(), encoder.adminPort());
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
