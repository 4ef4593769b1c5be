package io.jshmex;

import io.jshmex.shm.MappedMemory;
import io.jshmex.shm.Shm;
import io.jshmex.shm.Sizes;
import java.io.PrintStream;
import java.util.List;

/**
 * The command line: {@code java -jar jshmex.jar list | clear [--orphans] | info}.
 * Exit status 0 on success, 2 on bad usage, 1 when the native layer is unavailable.
 */
public final class Cli {
    private Cli() {
    }

    /**
     * Runs one command.
     *
     * @param args {@code list}, {@code clear}, {@code clear --orphans} or {@code info}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "info" : args[0];
        if (!command.equals("info") && !Shm.isAvailable()) {
            err.println("jshmex: " + Shm.unavailabilityCause().getMessage());
            return 1;
        }
        switch (command) {
            case "list":
                List<String> names = NativeShm.list();
                names.forEach(out::println);
                err.println(names.size() + " segment(s)");
                return 0;
            case "clear":
                boolean orphans = args.length > 1 && args[1].equals("--orphans");
                if (args.length > 1 && !orphans) {
                    return usage(err);
                }
                int removed = orphans ? NativeShm.clearOrphans() : NativeShm.clear();
                out.println("removed " + removed + (orphans ? " orphaned" : "") + " segment(s)");
                return 0;
            case "info":
                info(out);
                return Shm.isAvailable() ? 0 : 1;
            default:
                return usage(err);
        }
    }

    private static void info(PrintStream out) {
        Package pkg = Cli.class.getPackage();
        String version = pkg == null || pkg.getImplementationVersion() == null ? "dev" : pkg.getImplementationVersion();
        out.println("jshmex " + version);
        out.println("platform:        " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
            + ", Java " + Runtime.version());
        out.println("native layer:    " + (Shm.isAvailable() ? "available" : "unavailable: "
            + Shm.unavailabilityCause().getMessage()));
        if (!Shm.isAvailable()) {
            return;
        }
        out.println("/dev/shm:        " + Sizes.format(Shm.freeBytes()) + " free of " + Sizes.format(Shm.totalBytes()));
        out.println("segments:        " + NativeShm.list().size() + " of this library");
        out.println("mapped here:     " + Sizes.format(MappedMemory.mappedBytes()) + " (GC threshold "
            + Sizes.format(MappedMemory.gcThreshold()) + ")");
    }

    private static int usage(PrintStream err) {
        err.println("usage: jshmex list | clear [--orphans] | info");
        return 2;
    }
}
