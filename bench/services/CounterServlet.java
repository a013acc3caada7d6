// The stateful endpoint of tests/services/tomcat.sh: every GET answers the
// next number of one counter (1, 2, 3, ...), so a client can tell a moved
// server that lost or repeated state from one that did not.
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

public class CounterServlet extends HttpServlet {
	private final AtomicLong next = new AtomicLong();

	@Override
	protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
		resp.setContentType("text/plain");
		resp.getWriter().print(next.incrementAndGet() + "\n");
	}
}
