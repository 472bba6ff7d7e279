#pragma once
// Internal to engine/output: how each format renders a Result's Banner (--banners), one place per format's
// fields so that the writers only call in. Not for use outside the writers.
#include <string>
#include <string_view>

#include "engine/banner/banner.hpp"

namespace synscan {

/// The service name a record shows: the identified one, else the port's /etc/services name (`table`).
std::string_view shown_service_name(const Banner* banner, std::string_view table) noexcept;

/// JSON: `,"service":{"name":..,"product":..,"version":..,"tunnel":"ssl","method":"probed"|"table"}` and,
/// with a banner, `,"banner_status":..,"banner":..,"http":{"status":..,"server":..,"title":..},"tls":{
/// "version":..,"subject":..,"issuer":..,"sans":[..],"not_after":..}` (http and tls when found). `banner`
/// may be null (a record of a --banners scan that has no banner: closed, filtered): then the service object
/// holds the table name only, or nothing when there is none.
void append_json_banner(std::string& out, const Banner* banner, std::string_view table);

/// XML (nmap -sV): `<service name= product= version= tunnel="ssl" method="probed" conf="10"/>`, then one
/// script: `<script id="ssl-cert" output=..>` with nmap's layout for TLS, else `<script id="banner"
/// output=..>` (one, because ndiff stops on a port with two); or
/// `<service name= method="table" conf="3"/>` without a banner. Appends nothing when there is no name.
void append_xml_service(std::string& out, const Banner* banner, std::string_view table);

/// The CSV columns a --banners scan adds, header order.
inline constexpr std::string_view kCsvBannerHeader =
    "banner_status,product,version,tunnel,http_status,http_server,http_title,tls_version,tls_subject,"
    "tls_issuer,tls_sans,tls_not_after,banner";

/// The CSV cells of kCsvBannerHeader, each preceded by ','. Empty cells without a banner. The banner in
/// printable form (printable_bytes), SANs joined by ' '.
void append_csv_banner(std::string& out, const Banner* banner);

/// nmap's grepable port field "service" and "version" parts: "ssl|http" for TLS, version "product version".
std::string grepable_service(const Banner* banner, std::string_view table);
std::string grepable_version(const Banner* banner);

/// nmap's ssl-cert script output: "Subject: ..\nSubject Alternative Name: ..\nIssuer: ..\nNot valid after:
/// .." (the lines it has).
std::string ssl_cert_text(const TlsInfo& tls);

}  // namespace synscan
