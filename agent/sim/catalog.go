package sim

import "github.com/stewardhq/steward/sdk"

// hardware is one computer model a simulated agent may run on.
type hardware struct {
	manufacturer, model, kind string
	// serialPrefix and serialLen shape the serial number the vendor prints; a zero length
	// leaves the serial empty, as virtual machines often do.
	serialPrefix string
	serialLen    int
}

// models is a small, realistic mix of an MSP's fleet: office desktops and laptops, a few
// rack servers and virtual machines. Workstations come first and more often.
var models = []hardware{
	{"Dell Inc.", "OptiPlex 7090", sdk.ComputerTypeWorkstation, "", 7},
	{"Dell Inc.", "OptiPlex 7010", sdk.ComputerTypeWorkstation, "", 7},
	{"Dell Inc.", "Latitude 5430", sdk.ComputerTypePortable, "", 7},
	{"HP", "HP EliteDesk 800 G6 Desktop Mini PC", sdk.ComputerTypeWorkstation, "CZC", 7},
	{"HP", "HP EliteBook 840 G8 Notebook PC", sdk.ComputerTypePortable, "5CG", 7},
	{"HP", "HP ProBook 450 G9 Notebook PC", sdk.ComputerTypePortable, "5CD", 7},
	{"LENOVO", "20W0003AUS", sdk.ComputerTypePortable, "PF", 6},
	{"LENOVO", "11JN002JUS", sdk.ComputerTypeWorkstation, "MJ", 6},
	{"Dell Inc.", "PowerEdge R650", sdk.ComputerTypeServer, "", 7},
	{"QEMU", "Standard PC (Q35 + ICH9, 2009)", sdk.ComputerTypeServer, "", 0},
}

// system is one operating system release; col picks its column of the package catalogue.
type system struct {
	name, version string
	col           int
}

var systems = []system{
	{"Debian GNU/Linux", "12", 0},
	{"Ubuntu", "24.04", 1},
}

// pkg is one dpkg package with its version on each system; an empty version means the
// package does not exist there under that name.
type pkg struct {
	name       string
	versions   [2]string
	maintainer [2]string
}

const ubuntuDevs = "Ubuntu Developers"

// basePackages are installed on every simulated computer.
var basePackages = []pkg{
	{"apt", [2]string{"2.6.1", "2.7.14build2"}, [2]string{"APT Development Team", ubuntuDevs}},
	{"base-files", [2]string{"12.4+deb12u7", "13ubuntu10.1"},
		[2]string{"Santiago Vila", ubuntuDevs}},
	{"bash", [2]string{"5.2.15-2+b7", "5.2.21-2ubuntu4"}, [2]string{"Matthias Klose", ubuntuDevs}},
	{"ca-certificates", [2]string{"20230311", "20240203"},
		[2]string{"Julien Cristau", ubuntuDevs}},
	{"coreutils", [2]string{"9.1-1", "9.4-3ubuntu6"}, [2]string{"Michael Stone", ubuntuDevs}},
	{"curl", [2]string{"7.88.1-10+deb12u8", "8.5.0-2ubuntu10.5"},
		[2]string{"Debian Curl Maintainers", ubuntuDevs}},
	{"dpkg", [2]string{"1.21.22", "1.22.6ubuntu6.1"}, [2]string{"Dpkg Developers", ubuntuDevs}},
	{"e2fsprogs", [2]string{"1.47.0-2", "1.47.0-2.4~exp1ubuntu4.1"},
		[2]string{"Theodore Y. Ts'o", ubuntuDevs}},
	{"findutils", [2]string{"4.9.0-4", "4.9.0-5build1"},
		[2]string{"Andreas Metzler", ubuntuDevs}},
	{"grep", [2]string{"3.8-5", "3.11-4build1"}, [2]string{"Anibal Monsalve Salazar", ubuntuDevs}},
	{"gzip", [2]string{"1.12-1", "1.12-1ubuntu3"}, [2]string{"Milan Kupcevic", ubuntuDevs}},
	{"iproute2", [2]string{"6.1.0-3", "6.1.0-1ubuntu6"},
		[2]string{"Debian iproute2 Maintainers", ubuntuDevs}},
	{"less", [2]string{"590-2.1~deb12u2", "590-2ubuntu2.1"},
		[2]string{"Milan Kupcevic", ubuntuDevs}},
	{"libc6", [2]string{"2.36-9+deb12u9", "2.39-0ubuntu8.3"},
		[2]string{"GNU Libc Maintainers", ubuntuDevs}},
	{"libssl3", [2]string{"3.0.15-1~deb12u1", ""}, [2]string{"Debian OpenSSL Team", ""}},
	{"libssl3t64", [2]string{"", "3.0.13-0ubuntu3.4"}, [2]string{"", ubuntuDevs}},
	{"login", [2]string{"1:4.13+dfsg1-1+b1", "1:4.13+dfsg1-4ubuntu3.2"},
		[2]string{"Shadow package maintainers", ubuntuDevs}},
	{"openssh-client", [2]string{"1:9.2p1-2+deb12u3", "1:9.6p1-3ubuntu13.5"},
		[2]string{"Debian OpenSSH Maintainers", ubuntuDevs}},
	{"openssl", [2]string{"3.0.15-1~deb12u1", "3.0.13-0ubuntu3.4"},
		[2]string{"Debian OpenSSL Team", ubuntuDevs}},
	{"passwd", [2]string{"1:4.13+dfsg1-1+b1", "1:4.13+dfsg1-4ubuntu3.2"},
		[2]string{"Shadow package maintainers", ubuntuDevs}},
	{"perl-base", [2]string{"5.36.0-7+deb12u1", "5.38.2-3.2build2"},
		[2]string{"Niko Tyni", ubuntuDevs}},
	{"procps", [2]string{"2:4.0.2-3", "2:4.0.4-4ubuntu3.2"},
		[2]string{"Craig Small", ubuntuDevs}},
	{"python3", [2]string{"3.11.2-1+b1", "3.12.3-0ubuntu2"},
		[2]string{"Matthias Klose", ubuntuDevs}},
	{"sed", [2]string{"4.9-1", "4.9-2build1"}, [2]string{"Clint Adams", ubuntuDevs}},
	{"sudo", [2]string{"1.9.13p3-1+deb12u1", "1.9.15p5-3ubuntu5"},
		[2]string{"Sudo Maintainers", ubuntuDevs}},
	{"systemd", [2]string{"252.33-1~deb12u1", "255.4-1ubuntu8.4"},
		[2]string{"Debian systemd Maintainers", ubuntuDevs}},
	{"tar", [2]string{"1.34+dfsg-1.2+deb12u1", "1.35+dfsg-3build1"},
		[2]string{"Janos Lenart", ubuntuDevs}},
	{"tzdata", [2]string{"2024b-0+deb12u1", "2024a-3ubuntu1.1"},
		[2]string{"GNU Libc Maintainers", ubuntuDevs}},
	{"util-linux", [2]string{"2.38.1-5+deb12u2", "2.39.3-9ubuntu6.1"},
		[2]string{"util-linux packagers", ubuntuDevs}},
	{"vim-tiny", [2]string{"2:9.0.1378-2", "2:9.1.0016-1ubuntu7.5"},
		[2]string{"Debian Vim Maintainers", ubuntuDevs}},
}

// extraPackages are installed on some computers only.
var extraPackages = []pkg{
	{"cron", [2]string{"3.0pl1-162", "3.0pl1-184ubuntu2"},
		[2]string{"Georges Khaznadar", ubuntuDevs}},
	{"cups", [2]string{"2.4.2-3+deb12u8", "2.4.7-1.2ubuntu7.3"},
		[2]string{"Debian Printing Team", ubuntuDevs}},
	{"docker-ce", [2]string{"5:27.3.1-1~debian.12~bookworm", "5:27.3.1-1~ubuntu.24.04~noble"},
		[2]string{"Docker", "Docker"}},
	{"fail2ban", [2]string{"1.0.2-2", "1.0.2-3ubuntu0.1"},
		[2]string{"Debian Python Team", ubuntuDevs}},
	{"firefox-esr", [2]string{"128.5.0esr-1~deb12u1", ""},
		[2]string{"Maintainers of Mozilla-related packages", ""}},
	{"git", [2]string{"1:2.39.5-0+deb12u1", "1:2.43.0-1ubuntu7.1"},
		[2]string{"Jonathan Nieder", ubuntuDevs}},
	{"gnupg", [2]string{"2.2.40-1.1", "2.4.4-2ubuntu17"},
		[2]string{"Debian GnuPG Maintainers", ubuntuDevs}},
	{"htop", [2]string{"3.2.2-2", "3.3.0-4build1"}, [2]string{"Daniel Lange", ubuntuDevs}},
	{"jq", [2]string{"1.6-2.1", "1.7.1-3build1"}, [2]string{"ChangZhuo Chen", ubuntuDevs}},
	{"libreoffice-core", [2]string{"4:7.4.7-1+deb12u5", "4:24.2.7-0ubuntu0.24.04.1"},
		[2]string{"Debian LibreOffice Maintainers", ubuntuDevs}},
	{"network-manager", [2]string{"1.42.4-1+deb12u1", "1.46.0-1ubuntu2.2"},
		[2]string{"Utopia Maintenance Team", ubuntuDevs}},
	{"nfs-common", [2]string{"1:2.6.2-4", "1:2.6.4-3ubuntu5"},
		[2]string{"Debian kernel team", ubuntuDevs}},
	{"nginx", [2]string{"1.22.1-9", "1.24.0-2ubuntu7.1"},
		[2]string{"Debian Nginx Maintainers", ubuntuDevs}},
	{"openssh-server", [2]string{"1:9.2p1-2+deb12u3", "1:9.6p1-3ubuntu13.5"},
		[2]string{"Debian OpenSSH Maintainers", ubuntuDevs}},
	{"postgresql-15", [2]string{"15.10-0+deb12u1", ""},
		[2]string{"Debian PostgreSQL Maintainers", ""}},
	{"postgresql-16", [2]string{"", "16.6-0ubuntu0.24.04.1"}, [2]string{"", ubuntuDevs}},
	{"rsync", [2]string{"3.2.7-1+deb12u2", "3.2.7-1ubuntu1.2"},
		[2]string{"Samuel Henrique", ubuntuDevs}},
	{"rsyslog", [2]string{"8.2302.0-1", "8.2312.0-3ubuntu9"},
		[2]string{"Michael Biebl", ubuntuDevs}},
	{"smartmontools", [2]string{"7.3-pre1-1", "7.4-2build1"},
		[2]string{"Debian Smartmontools Maintainers", ubuntuDevs}},
	{"thunderbird", [2]string{"1:128.5.0esr-1~deb12u1", ""},
		[2]string{"Carsten Schoenert", ""}},
	{"tmux", [2]string{"3.3a-3", "3.4-1ubuntu0.1"}, [2]string{"Romain Francoise", ubuntuDevs}},
	{"unattended-upgrades", [2]string{"2.9.1+nmu3", "2.9.1+nmu4ubuntu1"},
		[2]string{"Michael Vogt", ubuntuDevs}},
	{"unzip", [2]string{"6.0-28", "6.0-28ubuntu4.1"}, [2]string{"Santiago Vila", ubuntuDevs}},
	{"wget", [2]string{"1.21.3-1+b2", "1.21.4-1ubuntu4.1"},
		[2]string{"Noël Köthe", ubuntuDevs}},
	{"zip", [2]string{"3.0-13", "3.0-13ubuntu0.1"}, [2]string{"Santiago Vila", ubuntuDevs}},
}

// users are the people simulated computers may have signed in.
var users = []string{"asmith", "bjones", "cgarcia", "dmiller", "edavis", "fwilson",
	"gmoore", "htaylor", "ianderson", "jthomas", "kmartin", "llee", "mwhite", "nharris"}
