package guanxi.neo4j;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.graphdb.Transaction;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import org.neo4j.kernel.impl.security.User;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.kernel.internal.Version;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;
import org.neo4j.logging.NullLogProvider;
import org.neo4j.memory.EmptyMemoryTracker;
import org.neo4j.monitoring.DatabaseHealth;
import org.neo4j.server.security.SecureHasher;
import org.neo4j.server.security.SystemGraphCredential;
import org.neo4j.server.security.auth.CommunitySecurityModule;
import org.neo4j.server.security.auth.FileUserRepository;

/**
 * A real Neo4j community DBMS (the embedded one, with its Bolt connector) for tests and local runs.
 *
 * <pre>NEO4J_PASSWORD=... java -cp ... guanxi.neo4j.Serve [--port 7687] [--data-dir ./neo4j-data]</pre>
 *
 * Bolt listens on 127.0.0.1 only, user {@code neo4j} with the password from {@code NEO4J_PASSWORD}. Stdout gets one
 * line, {@code Neo4j <version> ready at bolt://127.0.0.1:<port>}, once Bolt answers a login with that password;
 * Neo4j's own log goes to stderr (and its debug log to DATA_DIR/logs/debug.log). SIGTERM or SIGINT stops the DBMS
 * cleanly and exits 0 — unless a database has panicked (e.g. at a full disk), when it exits at once, as a crash would,
 * and the next start recovers from the transaction log (see {@link #stopQuietly}).
 */
public final class Serve {
    private static final String USER = "neo4j";
    private static final int MIN_PASSWORD_LENGTH = 8;
    private static final long MIB = 1024L * 1024L;

    private static final CountDownLatch stopRequested = new CountDownLatch(1);
    private static final AtomicBoolean stopped = new AtomicBoolean();
    private static volatile DatabaseManagementService dbms;

    private Serve() {}

    public static void main(String[] args) {
        int port = 7687;
        Path dataDir = Path.of("neo4j-data");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--port" -> {
                    String p = value != null ? value : next(args, ++i, arg);
                    try {
                        port = Integer.parseInt(p);
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                    if (port < 1 || port > 65535) {
                        fail("--port must be a number from 1 to 65535, not '" + p + "'");
                    }
                }
                case "--data-dir" -> dataDir = Path.of(value != null ? value : next(args, ++i, arg));
                case "-h", "--help" -> {
                    System.out.println("usage: NEO4J_PASSWORD=... serve [--port 7687] [--data-dir ./neo4j-data]");
                    System.exit(0);
                }
                default -> fail("unknown argument '" + args[i] + "' (usage: serve [--port P] [--data-dir D])");
            }
        }

        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.isEmpty()) {
            fail("NEO4J_PASSWORD is not set: it is the password for user 'neo4j' (" + MIN_PASSWORD_LENGTH
                 + " characters or more)");
        }
        if (password.codePointCount(0, password.length()) < MIN_PASSWORD_LENGTH) {
            fail("NEO4J_PASSWORD is too short: Neo4j requires " + MIN_PASSWORD_LENGTH + " characters or more");
        }

        checkPortFree(port);
        Path home = dataDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            fail("cannot create the data directory " + home + ": " + e);
        }
        installSignalHandlers();

        try {
            run(home, port, password);
        } catch (Throwable t) {
            t.printStackTrace();
            stopQuietly();
            fail("Neo4j failed: " + rootMessage(t) + " (see " + home.resolve("logs/debug.log") + ")");
        }
    }

    private static void run(Path home, int port, String password) throws Exception {
        String version = Version.getNeo4jVersion();
        boolean firstStart = !Files.exists(home.resolve("data").resolve("databases").resolve("system"));
        if (firstStart) {
            // As `neo4j-admin dbms set-initial-password` does: the system database, made on the first start, takes
            // its first user from this file, so Bolt never serves the default password.
            writeInitialPassword(home, password);
        }

        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            System.err.println("neo4j: uncaught exception in " + thread.getName() + ":");
            e.printStackTrace();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(Serve::stopQuietly, "neo4j-shutdown"));

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setUserLogProvider(new Log4jLogProvider(System.err, Level.INFO))
                // Bolt on loopback only; the routing table (neo4j:// URIs) names the same address.
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress("127.0.0.1"))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress("127.0.0.1"))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                // A server that hangs (a paused process or VM, a collector that never ends) is given up by
                // the drivers within 10 s, not Bolt's default 2 minutes: the hint connection.recv_timeout_seconds
                // is keep-alive x probes, and a busy connection gets a NOOP chunk every keep-alive (checked
                // every second), so a long transaction is not cut short.
                .setConfig(BoltConnector.connection_keep_alive, Duration.ofSeconds(5))
                .setConfig(BoltConnector.connection_keep_alive_probes, 2)
                .setConfig(BoltConnector.connection_keep_alive_streaming_scheduling_interval, Duration.ofSeconds(1))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Modest memory and small transaction logs: this runs beside test suites on small machines.
                .setConfig(GraphDatabaseSettings.pagecache_memory, 256 * MIB)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "2 files")
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 16 * MIB)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // Stop in a second, not after Netty's default 5 s quiet periods (twice).
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                // NEO4J_RECOVER_TORN_LOG=1: recovery truncates unreadable bytes at the end of a transaction
                // log rather than refusing to start the database (what a clean shutdown of a database that
                // panicked at a full disk leaves; see stopQuietly). Off by default, as in Neo4j.
                .setConfig(GraphDatabaseInternalSettings.fail_on_corrupted_log_files,
                           !"1".equals(System.getenv("NEO4J_RECOVER_TORN_LOG")));
        dbms = builder.build();
        if (stopRequested.getCount() == 0) {
            stopAndExit();
        }

        ensurePassword(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), password);
        String uri = "bolt://127.0.0.1:" + port;
        awaitBolt(uri, password);
        System.err.printf("neo4j: started in %.1f s (data in %s)%n",
                          ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0, home);

        PrintStream out = System.out;
        out.println("Neo4j " + version + " ready at " + uri);
        out.flush();

        stopRequested.await();
        stopAndExit();
    }

    /** The initial user file that the system database reads when it is created (data/dbms/auth.ini). */
    private static void writeInitialPassword(Path home, String password) throws Exception {
        Config config = Config.newBuilder().set(GraphDatabaseSettings.neo4j_home, home).build();
        Path file = CommunitySecurityModule.getInitialUserRepositoryFile(config);
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        try (DefaultFileSystemAbstraction fs = new DefaultFileSystemAbstraction()) {
            FileUserRepository users =
                    new FileUserRepository(fs, file, NullLogProvider.getInstance(), EmptyMemoryTracker.INSTANCE);
            users.start();
            SystemGraphCredential credential = SystemGraphCredential.createCredentialForPassword(
                    password.getBytes(StandardCharsets.UTF_8), new SecureHasher());
            users.create(new User(USER, null, credential, false, false));
            users.shutdown();
        }
    }

    /** Makes NEO4J_PASSWORD the password of user neo4j, whatever it was before (a restart may bring a new one). */
    private static void ensurePassword(GraphDatabaseService system, String password) {
        if (passwordIsCurrent(system, password)) {
            return;
        }
        Map<String, Object> params = Map.of("user", USER, "password", password);
        try {
            system.executeTransactionally("ALTER USER $user SET PASSWORD $password CHANGE NOT REQUIRED", params);
            System.err.println("neo4j: the password of user '" + USER + "' is now NEO4J_PASSWORD");
        } catch (QueryExecutionException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("cannot be the same")) {
                return; // already the password
            }
            if (!message.contains("does not exist")) {
                throw e;
            }
            system.executeTransactionally("CREATE USER $user SET PASSWORD $password CHANGE NOT REQUIRED", params);
            System.err.println("neo4j: created user '" + USER + "' with the password NEO4J_PASSWORD");
        }
    }

    /**
     * Whether user neo4j has this password and no pending change, read from the system graph directly: a restart
     * then needs no Cypher (whose first query is slow on a cold JVM). Anything unexpected answers false.
     */
    private static boolean passwordIsCurrent(GraphDatabaseService system, String password) {
        try (Transaction tx = system.beginTx()) {
            Node user = tx.findNode(Label.label("User"), "name", USER);
            if (user == null || Boolean.TRUE.equals(user.getProperty("passwordChangeRequired", Boolean.TRUE))) {
                return false;
            }
            Object credentials = user.getProperty("credentials", null);
            return credentials instanceof String serialized
                   && SystemGraphCredential.deserialize(serialized, new SecureHasher())
                           .matchesPassword(password.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            return false;
        }
    }

    /** Returns once Bolt on {@code uri} accepts a connection and a login with the password. */
    private static void awaitBolt(String uri, String password) throws InterruptedException {
        org.neo4j.driver.Config config = org.neo4j.driver.Config.builder()
                .withoutEncryption()
                .withLogging(Logging.none())
                .withConnectionTimeout(5, TimeUnit.SECONDS)
                .withMaxConnectionPoolSize(1)
                .build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        RuntimeException last = null;
        try (Driver driver = GraphDatabase.driver(uri, AuthTokens.basic(USER, password), config)) {
            while (System.nanoTime() < deadline && stopRequested.getCount() > 0) {
                try {
                    driver.verifyConnectivity(); // connects and logs in
                    return;
                } catch (org.neo4j.driver.exceptions.ServiceUnavailableException e) {
                    last = e;
                    Thread.sleep(200);
                }
            }
        }
        if (stopRequested.getCount() == 0) {
            stopAndExit();
        }
        throw new IllegalStateException("Bolt at " + uri + " did not answer within 60 s", last);
    }

    private static void checkPortFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        } catch (IOException e) {
            fail("port " + port + " on 127.0.0.1 is in use (" + e.getMessage() + "): is another Neo4j running?");
        }
    }

    private static void installSignalHandlers() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stopRequested.countDown());
            } catch (IllegalArgumentException e) {
                // The signal is ignored (e.g. SIGINT in a background job): leave it so.
            }
        }
    }

    private static void stopAndExit() {
        stopQuietly();
        System.exit(0);
    }

    /**
     * Stops the DBMS cleanly — unless one of its databases has panicked. A database panics when it cannot append a
     * transaction to its log (a full disk): part of that transaction is in the file, and the rest is still in the
     * log's write buffer. A clean shutdown flushes that buffer, appending bytes that no longer line up after the
     * torn ones, and the next start cannot read past them (it refuses, "recovery not possible", or reads a length
     * out of the stray bytes and runs out of heap). Exiting at once, as a crash would, leaves the log ending in the
     * torn transaction, which recovery drops (it never committed); everything committed is in the log.
     */
    private static void stopQuietly() {
        DatabaseManagementService service = dbms;
        if (service != null && stopped.compareAndSet(false, true)) {
            List<String> panicked = panickedDatabases(service);
            if (!panicked.isEmpty()) {
                System.err.println("neo4j: database " + String.join(", ", panicked) + " has panicked: exiting "
                                   + "without a clean shutdown; the next start recovers from its transaction log");
                System.err.flush();
                Runtime.getRuntime().halt(0);
            }
            System.err.println("neo4j: stopping");
            try {
                service.shutdown();
                System.err.println("neo4j: stopped");
            } catch (Throwable t) {
                System.err.println("neo4j: shutdown failed: " + rootMessage(t));
            }
        }
    }

    /** The names of the databases that have panicked (a database whose health cannot be read is not counted). */
    private static List<String> panickedDatabases(DatabaseManagementService service) {
        List<String> panicked = new ArrayList<>();
        List<String> names;
        try {
            names = service.listDatabases();
        } catch (RuntimeException e) {
            System.err.println("neo4j: cannot list the databases: " + rootMessage(e));
            return panicked;
        }
        for (String name : names) {
            try {
                if (service.database(name) instanceof GraphDatabaseAPI api
                    && !api.getDependencyResolver().resolveDependency(DatabaseHealth.class).hasNoPanic()) {
                    panicked.add(name);
                }
            } catch (RuntimeException e) {
                System.err.println("neo4j: cannot read the health of database " + name + ": " + rootMessage(e));
            }
        }
        return panicked;
    }

    private static String next(String[] args, int i, String option) {
        if (i >= args.length) {
            fail(option + " needs a value");
        }
        return args[i];
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message.replace('\n', ' '));
    }

    private static void fail(String message) {
        System.err.println("neo4j: " + message);
        System.exit(1);
    }
}
