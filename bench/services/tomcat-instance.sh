#!/bin/sh
# Make a private Tomcat 10 instance serving /counter (CounterServlet.java:
# each GET answers the next number), with Debian's tomcat10-user.
#
#   bench/services/tomcat-instance.sh DIR PORT
#
# Start it with:  CATALINA_BASE=DIR /usr/share/tomcat10/bin/catalina.sh run
# (catalina.sh execs java: its pid is the JVM's). No shutdown port.
# Exit 0 when made, 77 when tomcat10-user or javac is missing, 1 on error.
set -eu
dir=$1 port=$2
here=$(cd "$(dirname "$0")" && pwd)
api=/usr/share/java/tomcat10-servlet-api.jar
if ! command -v tomcat10-instance-create >/dev/null || [ ! -r "$api" ]; then
	echo "no Tomcat 10 (Debian package tomcat10-user)"
	exit 77
fi
command -v javac >/dev/null || { echo "no javac (Debian package default-jdk-headless)"; exit 77; }
tomcat10-instance-create -p "$port" -c $((port + 2)) "$dir" >/dev/null
sed -i 's/<Server port="[0-9]*"/<Server port="-1"/' "$dir/conf/server.xml"
# Tomcat closes a keep-alive connection after 100 requests by default
# (maxKeepAliveRequests): the load clients hold theirs for their whole life.
sed -i "s/<Connector port=\"$port\" /&maxKeepAliveRequests=\"-1\" /" "$dir/conf/server.xml"
grep -q 'maxKeepAliveRequests="-1"' "$dir/conf/server.xml"
mkdir -p "$dir/webapps/ROOT/WEB-INF/classes"
javac -d "$dir/webapps/ROOT/WEB-INF/classes" -cp "$api" "$here/CounterServlet.java"
cat >"$dir/webapps/ROOT/WEB-INF/web.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0" metadata-complete="true">
  <servlet><servlet-name>counter</servlet-name><servlet-class>CounterServlet</servlet-class>
    <load-on-startup>1</load-on-startup></servlet>
  <servlet-mapping><servlet-name>counter</servlet-name><url-pattern>/counter</url-pattern></servlet-mapping>
</web-app>
XML
