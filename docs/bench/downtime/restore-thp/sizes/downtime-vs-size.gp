set terminal pngcairo size 900,560 font 'sans,10'
set output 'downtime-vs-size.png'
set grid
set key top left
set offsets graph 0.03, graph 0.03, 0, 0
set title 'downtime seen by lmig against memory size (memdirty, median with min..max)'
set logscale x 2
set logscale y
set xtics ('256 MiB' 256, '1 GiB' 1024, '2 GiB' 2048)
set xlabel 'memory of the workload'
set ylabel 'downtime seen by lmig (ms)'
plot 'downtime-vs-size-0.dat' using 1:2:3:4 with yerrorlines title 'pre-copy/tcp', 'downtime-vs-size-1.dat' using 1:2:3:4 with yerrorlines title 'stop-and-copy/tcp'
