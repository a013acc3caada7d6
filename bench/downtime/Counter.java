// A stateful Java service for the downtime benchmark: GET /next answers
// the next number of one counter (1, 2, 3, ...), so a client can tell a
// migrated JVM that lost or repeated state from one that did not. It also
// keeps HEAP_MIB of live objects, rewritten slowly, so that the heap is
// not empty when it moves.
//
//   java -cp DIR Counter ADDR PORT HEAP_MIB
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

public class Counter {
    public static void main(String[] args) throws Exception {
        AtomicLong next = new AtomicLong();
        int heapMib = Integer.parseInt(args[2]);
        byte[][] live = new byte[heapMib][];
        for (int i = 0; i < heapMib; i++) {
            live[i] = new byte[1 << 20];
            java.util.Arrays.fill(live[i], (byte) i);
        }
        HttpServer s = HttpServer.create(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 64);
        s.createContext("/next", ex -> {
            byte[] body = Long.toString(next.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        s.setExecutor(Executors.newFixedThreadPool(4));
        s.start();
        System.out.println("READY");
        System.out.flush();
        // Touch the live set so that pre-copy has pages to chase.
        for (long n = 0; ; n++) {
            if (heapMib > 0) {
                byte[] b = live[(int) (n % heapMib)];
                for (int k = 0; k < b.length; k += 4096)
                    b[k]++;
            }
            Thread.sleep(10);
        }
    }
}
