set terminal pngcairo size 900,560 font 'sans,10'
set output 'restore-vs-size.png'
set grid
set key top left
set offsets graph 0.03, graph 0.03, 0, 0
set title 'restore time in the page server against memory size (memdirty, median with min..max)'
set logscale x 2
set logscale y
set xtics ('1 GiB' 1024)
set xlabel 'memory of the workload'
set ylabel 'restore time in the page server (ms)'
plot 'restore-vs-size-0.dat' using 1:2:3:4 with yerrorlines title 'pre-copy+lz4/tcp', 'restore-vs-size-1.dat' using 1:2:3:4 with yerrorlines title 'pre-copy/tcp', 'restore-vs-size-2.dat' using 1:2:3:4 with yerrorlines title 'stop-and-copy/tcp'
