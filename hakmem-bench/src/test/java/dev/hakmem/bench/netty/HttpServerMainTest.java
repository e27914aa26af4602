package dev.hakmem.bench.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hakmem.netty.HakmemByteBufAllocator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The benchmark's HTTP server answered by a real HTTP client, with each allocator: bodies of
 * the asked size and pattern, 404 for other paths, keep-alive; with hakmem-netty every buffer
 * is released afterwards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpServerMainTest {

    @Test
    void parsesRequestedSizes() {
        assertEquals(0, HttpServerMain.requestedBytes("/bytes/0"));
        assertEquals(1048576, HttpServerMain.requestedBytes("/bytes/1048576"));
        assertEquals(-1, HttpServerMain.requestedBytes("/bytes/"));
        assertEquals(-1, HttpServerMain.requestedBytes("/bytes/12a"));
        assertEquals(-1, HttpServerMain.requestedBytes("/bytes/-1"));
        assertEquals(-1, HttpServerMain.requestedBytes("/bytes/999999999"));
        assertEquals(-1, HttpServerMain.requestedBytes("/other/5"));
        assertThrows(IllegalArgumentException.class, () -> HttpServerMain.allocator("glibc"));
    }

    @Test
    void servesEverySizeWithEveryAllocator() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (String name : HttpServerMain.ALLOCATORS) {
            long before = HakmemByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            try (HttpServerMain.Server server = HttpServerMain.start(HttpServerMain.allocator(name), 0, 2)) {
                String base = "http://127.0.0.1:" + server.port();
                for (int size : new int[] {0, 1, 256, 4096, 65536, 1 << 20}) {
                    for (int repeat = 0; repeat < 3; repeat++) { // the same connection, kept alive
                        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(base + "/bytes/" + size)).build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        assertEquals(200, r.statusCode(), name);
                        assertEquals(size, r.body().length, name + " " + size);
                        for (int i = 0; i < size; i++) {
                            if (r.body()[i] != (byte) ('a' + (i % 65536) % 26)) {
                                throw new AssertionError(name + ": byte " + i + " of " + size);
                            }
                        }
                        assertEquals(String.valueOf(size), r.headers().firstValue("content-length").orElseThrow());
                    }
                }
                HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(base + "/nothing")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(404, missing.statusCode());
            }
            if (name.equals("hakmem-netty")) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (HakmemByteBufAllocator.DEFAULT.metric().usedDirectMemory() != before && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(before, HakmemByteBufAllocator.DEFAULT.metric().usedDirectMemory(), "every buffer released");
            }
        }
    }
}
