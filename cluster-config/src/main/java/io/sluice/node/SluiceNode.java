package io.sluice.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.Join;
import akka.cluster.typed.SingletonActor;
import akka.http.javadsl.ServerBinding;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.sluice.engine.actor.TaskMaster;
import io.sluice.engine.actor.WorkerHost;
import io.sluice.engine.storage.LocalDeepStorage;
import io.sluice.engine.storage.MetadataStore;
import io.sluice.engine.worker.WorkerMemory;
import io.sluice.engine.worker.WorkerResources;
import io.sluice.http.HttpApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A running Sluice node: an Akka Cluster member with its roles — {@code overlord} (the TaskMaster singleton),
 * {@code worker} (a WorkerHost), {@code broker} (the HTTP API) — over local deep storage and a metadata store.
 * Used by {@link Main} and by the end-to-end tests.
 */
public final class SluiceNode implements AutoCloseable {
    private final ActorSystem<Void> system;
    private final MetadataStore metadata;
    private final ServerBinding binding;
    private final Path dataDir;
    /** Set by {@link #close}: a running execution warm-up stops at its next statement. */
    private volatile boolean closing;
    private volatile Thread warmUp;
    /** Completed with what the execution warm-up did (null when it is off or stopped early). */
    private final CompletableFuture<ExecutionWarmup.Result> warmedUp = new CompletableFuture<>();

    private SluiceNode(ActorSystem<Void> system, MetadataStore metadata, ServerBinding binding, Path dataDir) {
        this.system = system;
        this.metadata = metadata;
        this.binding = binding;
        this.dataDir = dataDir;
    }

    /** The effective config: options over the config file over application.conf/reference.conf. */
    public static Config config(NodeOptions o) {
        Map<String, Object> over = new HashMap<>();
        if (o.httpPort() != null) {
            over.put("sluice.http.port", o.httpPort());
        }
        if (o.akkaPort() != null) {
            over.put("akka.remote.artery.canonical.port", o.akkaPort());
        }
        if (o.dataDir() != null) {
            over.put("sluice.data-dir", o.dataDir().toAbsolutePath().toString());
        }
        if (o.host() != null) {
            over.put("akka.remote.artery.canonical.hostname", o.host());
            over.put("sluice.http.host", o.host());
        }
        if (!o.roles().isEmpty()) {
            over.put("akka.cluster.roles", o.roles());
        }
        Config base = ConfigFactory.parseMap(over);
        if (!o.seedNodes().isEmpty()) {
            List<String> seeds = new ArrayList<>();
            for (String s : o.seedNodes()) {
                seeds.add(s.startsWith("akka://") ? s : "akka://sluice@" + s);
            }
            base = base.withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
        }
        if (o.configFile() != null) {
            base = base.withFallback(ConfigFactory.parseFile(o.configFile().toFile()).resolve());
        }
        return base.withFallback(ConfigFactory.load()).resolve();
    }

    public static SluiceNode start(Config config) throws Exception {
        Path dataDir = Path.of(config.getString("sluice.data-dir")).toAbsolutePath();
        Files.createDirectories(dataDir);
        List<String> roles = config.getStringList("akka.cluster.roles");
        String jdbc = config.getString("sluice.metadata.jdbc-url");
        MetadataStore metadata = jdbc.isEmpty()
                ? MetadataStore.h2(dataDir.resolve("metadata"))
                : connectShared(jdbc, config.getString("sluice.metadata.user"),
                        config.getString("sluice.metadata.password"));
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "sluice", config);
        try {
            Cluster cluster = Cluster.get(system);
            if (config.getStringList("akka.cluster.seed-nodes").isEmpty()) {
                cluster.manager().tell(Join.create(cluster.selfMember().address()));
            }
            Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("sluice.blocking-dispatcher"));
            String host = config.getString("sluice.http.host");
            int httpPort = config.getInt("sluice.http.port");
            int capacity = config.getInt("sluice.worker-capacity");
            String deepDir = config.getString("sluice.deep-storage-dir");
            LocalDeepStorage deepStorage = new LocalDeepStorage(
                    deepDir.isEmpty() ? dataDir.resolve("deep-storage") : Path.of(deepDir).toAbsolutePath());
            Path tmp = dataDir.resolve("tmp");
            io.sluice.engine.worker.WorkerStageRunner.deleteQuietly(tmp); // stage files a previous run left
            Files.createDirectories(tmp);
            // The HTTP API binds first, so that a node started on port 0 knows the port it advertises (task
            // location, worker host); the routes reach the TaskMaster singleton once its proxy exists, a moment later.
            CompletableFuture<ActorRef<TaskMaster.Command>> taskMasterRef = new CompletableFuture<>();
            ServerBinding binding = null;
            CompletableFuture<Void> plannerWarmedUp = CompletableFuture.completedFuture(null);
            if (roles.contains("broker")) {
                List<Path> exportBaseDirs = config.getStringList("sluice.export.base-dirs").stream()
                        .map(d -> Path.of(d).toAbsolutePath().normalize())
                        .toList();
                TaskServiceImpl service =
                        new TaskServiceImpl(system, taskMasterRef, metadata, blocking, exportBaseDirs);
                binding = HttpApi.start(system, host, httpPort, service).toCompletableFuture().get(30, TimeUnit.SECONDS);
                if (config.getBoolean("sluice.planner.warm-up")) {
                    plannerWarmedUp = warmUp(system, service.planner(), blocking);
                }
            }
            int boundHttpPort = binding == null ? httpPort : binding.localAddress().getPort();
            TaskMaster.Settings settings = new TaskMaster.Settings(
                    metadata,
                    blocking,
                    Clock.systemUTC(),
                    host,
                    boundHttpPort,
                    config.getDuration("sluice.worker-start-timeout"),
                    config.getInt("sluice.max-partitions"),
                    config.getInt("sluice.max-result-rows"),
                    deepStorage);
            ActorRef<TaskMaster.Command> taskMaster = ClusterSingleton.get(system)
                    .init(SingletonActor.of(TaskMaster.create(settings), "task-master"));
            taskMasterRef.complete(taskMaster);
            if (roles.contains("worker")) {
                long mem = config.getLong("sluice.worker-memory-bytes");
                if (mem <= 0) {
                    // Half the heap shared by the slots; the floor must stay below that share on small heaps
                    // (a 32 MiB floor made a -Xmx64m node run out of heap sorting 2 workers' input).
                    mem = Math.max(4L << 20, Runtime.getRuntime().maxMemory() / 2 / Math.max(1, capacity));
                }
                // the slots' shares together: what an idle slot would hold is lent to a running worker's GROUP BY
                WorkerMemory memory = new WorkerMemory(mem * Math.max(1, capacity), mem);
                WorkerResources resources = new WorkerResources(tmp, deepStorage, mem, blocking, memory);
                // Named by its HTTP address when it serves one, else by its Akka address: unique in the cluster.
                int advertisedPort = binding != null ? boundHttpPort
                        : cluster.selfMember().address().getPort().orElse(httpPort);
                ActorRef<WorkerHost.Command> workerHost = system.systemActorOf(
                        WorkerHost.create(resources, capacity, host + ":" + advertisedPort), "worker-host",
                        akka.actor.typed.Props.empty());
                awaitListed(system, workerHost);
                preloadSegmentHeaders(system, metadata, deepStorage, blocking);
            }
            SluiceNode node = new SluiceNode(system, metadata, binding, dataDir);
            // a private node beside the real one needs some room: a small heap keeps it for the users' queries
            if (config.getBoolean("sluice.warm-up.execution") && Runtime.getRuntime().maxMemory() >= (384L << 20)) {
                node.warmUpExecution(tmp.resolve("warm-up"), config.getInt("sluice.warm-up.rounds"),
                        config.getInt("sluice.warm-up.light-rounds"), plannerWarmedUp);
            } else {
                node.warmedUp.complete(null);
            }
            return node;
        } catch (Exception e) {
            system.terminate();
            metadata.close();
            throw e;
        }
    }

    /**
     * Runs {@link ExecutionWarmup} on a thread of its own once the planner's warm-up is done; the node serves
     * meanwhile, and {@link #close} stops it.
     */
    private void warmUpExecution(Path workDir, int rounds, int lightRounds, CompletableFuture<Void> after) {
        Thread t = new Thread(() -> {
            try {
                after.join();
            } catch (RuntimeException e) {
                // the planner's warm-up logs its own trouble
            }
            if (closing) {
                warmedUp.complete(null);
                return;
            }
            ExecutionWarmup.Result r = new ExecutionWarmup(workDir, rounds, lightRounds, () -> closing).run();
            if (closing) {
                warmedUp.complete(null);
                return;
            }
            if (r.failures().isEmpty()) {
                system.log().info("Execution warmed up: {} statements on a private node in {} ms", r.statements(),
                        r.millis());
            } else {
                system.log().warn("Execution warm-up: {} statements in {} ms, {} failed: {}", r.statements(),
                        r.millis(), r.failures().size(), r.failures());
            }
            warmedUp.complete(r);
        }, "sluice-warm-up");
        t.setDaemon(true);
        warmUp = t;
        t.start();
    }

    /** Plans the warm-up statements on the blocking pool, in the background; the node serves meanwhile. */
    private static CompletableFuture<Void> warmUp(
            ActorSystem<?> system, io.sluice.planner.SqlPlanner planner, Executor blocking) {
        return CompletableFuture.runAsync(() -> {
            io.sluice.planner.PlannerWarmup.Result inline = io.sluice.planner.PlannerWarmup.run(planner);
            io.sluice.planner.PlannerWarmup.Result tables = io.sluice.planner.PlannerWarmup.runTableShapes();
            List<String> failures = new java.util.ArrayList<>(inline.failures());
            failures.addAll(tables.failures());
            io.sluice.planner.PlannerWarmup.Result r = new io.sluice.planner.PlannerWarmup.Result(
                    inline.planned() + tables.planned(), failures, inline.millis() + tables.millis());
            if (r.failures().isEmpty()) {
                system.log().info("SQL planner warmed up: {} statements in {} ms", r.planned(), r.millis());
            } else {
                system.log().warn("SQL planner warm-up: {} planned in {} ms, {} failed: {}", r.planned(), r.millis(),
                        r.failures().size(), r.failures());
            }
        }, blocking);
    }

    /**
     * Reads the headers of the visible segments in the background, as a Druid historical loads its segments when it
     * starts, so that the first query after a restart does not parse hundreds of them.
     */
    private static void preloadSegmentHeaders(
            ActorSystem<?> system, MetadataStore metadata, LocalDeepStorage deepStorage, Executor blocking) {
        CompletableFuture.runAsync(() -> {
            long start = System.nanoTime();
            try {
                List<Path> files = new java.util.ArrayList<>();
                for (String ds : metadata.dataSources()) {
                    for (io.sluice.engine.segment.DataSegment s : metadata.visibleSegments(ds,
                            io.sluice.engine.types.Intervals.ETERNITY_START, io.sluice.engine.types.Intervals.ETERNITY_END)) {
                        if (!s.loadSpecPath().isEmpty()) {
                            files.add(deepStorage.localPath(s.loadSpecPath()));
                        }
                    }
                }
                int n = io.sluice.engine.segment.SegmentReader.preloadAll(files);
                if (n > 0) {
                    system.log().info("Read the headers of {} segments in {} ms", n,
                            (System.nanoTime() - start) / 1_000_000);
                }
            } catch (RuntimeException e) {
                system.log().warn("Reading segment headers at start-up stopped: {}", e.toString());
            }
        }, blocking);
    }

    /**
     * Connects to a metadata store the cluster shares. Nodes starting together race to create its tables (CREATE …
     * IF NOT EXISTS is not atomic in every database); the loser tries again once the winner is done.
     */
    private static MetadataStore connectShared(String jdbc, String user, String password) throws InterruptedException {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return MetadataStore.connect(jdbc, user, password);
            } catch (RuntimeException e) {
                last = e;
                Thread.sleep(200L + 300L * attempt);
            }
        }
        throw last;
    }

    /** Waits (up to 10 s) until the Receptionist lists this node's WorkerHost: a started node takes work at once. */
    private static void awaitListed(ActorSystem<?> system, ActorRef<WorkerHost.Command> workerHost)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            try {
                Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                                system.receptionist(), r -> Receptionist.find(WorkerHost.KEY, r),
                                Duration.ofSeconds(2), system.scheduler())
                        .toCompletableFuture()
                        .get(3, TimeUnit.SECONDS);
                if (listing.getServiceInstances(WorkerHost.KEY).contains(workerHost)) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // ask again
            }
            Thread.sleep(20);
        }
    }

    /** What the execution warm-up did once it is done: null when it was off, or stopped by {@link #close}. */
    CompletableFuture<ExecutionWarmup.Result> warmedUp() {
        return warmedUp;
    }

    /** Bound HTTP port (useful with port 0), or -1 without the broker role. */
    public int httpPort() {
        return binding == null ? -1 : binding.localAddress().getPort();
    }

    public ActorSystem<Void> system() {
        return system;
    }

    public MetadataStore metadata() {
        return metadata;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Leaves the cluster and stops, waiting up to 30 s. */
    @Override
    public void close() {
        closing = true;
        Thread t = warmUp;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (binding != null) {
                binding.terminate(Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // stopping anyway
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // stopping anyway
        }
        metadata.close();
    }
}
